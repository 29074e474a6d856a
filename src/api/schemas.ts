import { z } from 'zod';
import type { ChatRequest } from '../contract/chat';

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });

const message = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart).min(1)]),
  name: z.string().max(64).optional(),
});

/**
 * A model or route name: 1–200 visible ASCII characters. Names reach response headers, metric labels and
 * search attributes, where control characters (CR/LF), non-printable or non-ASCII characters would break
 * the response or the record; every real model id (`gpt-4o-mini`, `llama3.1:8b`, `models/gemini-2.5-flash`,
 * `accounts/fireworks/models/x`, `provider:model`) fits.
 */
export const modelNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'use visible ASCII characters only (no spaces, control or non-ASCII characters)');

/** Fields of the OpenAI chat request Switchyard accepts; unknown fields are rejected, not silently dropped. */
const chatRequestFields = {
  model: modelNameSchema,
  messages: z.array(message).min(1, 'at least one message is required').max(2_000),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().max(1_000_000).optional(),
  max_completion_tokens: z.number().int().positive().max(1_000_000).optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
  seed: z.number().int().optional(),
  user: z.string().max(256).optional(),
  n: z.literal(1, { message: 'only n = 1 is supported' }).optional(),
  stream: z.boolean().optional(),
  /** Switchyard's own field: how this request uses the response cache (naming a mode opts it in). */
  cache: z
    .strictObject({
      mode: z.enum(['default', 'bypass', 'refresh', 'only']).optional(),
      ttlSeconds: z.number().int().min(0).max(31_536_000).optional(),
    })
    .optional(),
};

export const chatCompletionBodySchema = z.strictObject(chatRequestFields);

/** `POST /v1/jobs`: a chat request plus job fields. */
export const jobBodySchema = z.strictObject({
  ...chatRequestFields,
  /** Free-form labels kept with the job (memo), at most 16 short strings. */
  metadata: z
    .record(z.string().max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 16, 'at most 16 metadata entries')
    .optional(),
});

export type ChatCompletionBody = z.infer<typeof chatCompletionBodySchema>;

/** Normalises an accepted body to Switchyard's chat request (the form the cache key will be derived from). */
export function toChatRequest(body: ChatCompletionBody): ChatRequest {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return {
    model: body.model,
    messages: body.messages,
    ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
    ...(body.top_p !== undefined ? { top_p: body.top_p } : {}),
    ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    ...(body.stop !== undefined ? { stop: typeof body.stop === 'string' ? [body.stop] : body.stop } : {}),
    ...(body.seed !== undefined ? { seed: body.seed } : {}),
    ...(body.user !== undefined ? { user: body.user } : {}),
  };
}

/** The longest job id accepted; Switchyard's own ids are under 60 characters (`job_idem_` + 40 hex digits). */
const MAX_JOB_ID_LENGTH = 128;

/**
 * A job id as a client may send it: `job_` and then letters, digits, `_` or `-`, at most 128 characters in
 * all. Any id of that form is looked up (an unknown one is a 404 `job_not_found`); only an id that cannot be
 * one — another prefix, spaces, control or non-ASCII characters, or too long — is a 400.
 */
export const jobIdSchema = z
  .string()
  .max(MAX_JOB_ID_LENGTH, `a job id has at most ${MAX_JOB_ID_LENGTH} characters`)
  .regex(/^job_[A-Za-z0-9_-]+$/, 'a job id is "job_" followed by letters, digits, "_" or "-"');

export const waitQuerySchema = z.object({
  wait: z.coerce.number().min(0).max(60, 'wait at most 60 seconds').optional(),
});
