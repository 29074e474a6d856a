/** Routes of the config file: chains of targets, and what answers when a whole chain failed. */
import { z } from 'zod';

const validRegex = z.string().refine(
  (pattern) => {
    try {
      new RegExp(pattern, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

/** What a job answers when every target of its chain failed for reasons that are not the caller's. */
export const fallbackSchema = z.strictObject({
  /** Serve an expired (stale) cache entry for the same request. */
  staleCache: z.boolean().default(true),
  /** Rule-based answers: the first rule whose pattern matches the last user message answers. */
  rules: z
    .array(
      z.strictObject({
        pattern: validRegex,
        /** The answer; `{{input}}` stands for the last user message. */
        answer: z.string().min(1),
      }),
    )
    .default([]),
  /** A friendly last-resort message. */
  message: z.string().min(1).optional(),
  /** `fail` ends with the typed failure when nothing above answers; `degrade` needs a `message`. */
  onExhausted: z.enum(['fail', 'degrade']).default('fail'),
});

/** A target of a route: a model alias or `provider:model`, optionally with its own time and attempt budget. */
export const routeTargetSchema = z.union([
  z.string().min(1),
  z.strictObject({
    target: z.string().min(1),
    /** Per-attempt timeout; the provider's `timeoutMs` when unset. */
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    /** Attempts (retries included) before the chain moves on. */
    maxAttempts: z.number().int().min(1).max(20).optional(),
  }),
]);

export const routeSchema = z.strictObject({
  /** Targets tried in order. */
  targets: z.array(routeTargetSchema).min(1, 'a route needs at least one target'),
  /** Overrides the top-level `fallback` for this route. */
  fallback: fallbackSchema.optional(),
});

export type RouteConfig = z.infer<typeof routeSchema>;
export type RouteTarget = z.infer<typeof routeTargetSchema>;
export type FallbackConfig = z.infer<typeof fallbackSchema>;
