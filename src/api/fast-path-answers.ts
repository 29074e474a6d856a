import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CachedResponse } from '../contract/job';
import type { ResponseCacheStore } from '../stores/cache/contract';
import { BoundedMemo, DEFAULT_HOLD_MS, type MemoBounds } from './fast-path-memo';
import { safeHeaderValue } from './safe-header';

/** A fresh cached answer ready to send: the completion already serialized, and its provider header. */
export interface FastPathAnswer {
  /** The completion as the JSON body. */
  body: string;
  /** `body`'s length in bytes (`Content-Length`). */
  bytes: number;
  /** `x-switchyard-provider`: `provider:model` of the answer. */
  provider: string;
}

export interface FastPathAnswersOptions extends MemoBounds {
  /**
   * How long a served answer is kept in the process at most (never past the time it turns stale).
   * @default 1000
   */
  holdMs?: number;
}

/** Answers of the response cache for the synchronous endpoint's fast path. */
export interface FastPathAnswers {
  /**
   * The fresh answer under `key`, or null (absent, stale, or the store unavailable: the fast path fails open
   * and the request runs as a job, whose workflow retries its own lookup).
   */
  fresh(key: string, tenantId: string): Promise<FastPathAnswer | null>;
  /** The answer under `key` if the process holds it now, without asking the store. */
  held(key: string): FastPathAnswer | undefined;
  /** Drops what the process holds for `key`, once a job has written a newer answer. */
  forget(key: string): void;
}

/**
 * Reads fresh answers from the cache and keeps each one it serves for a moment (`holdMs`, and never past its
 * fresh time), serialized, so a run of identical requests reads and parses the store once per moment rather
 * than once per request. Entries are keyed by cache key, which already carries the tenant's scope.
 */
export function fastPathAnswers(
  cache: ResponseCacheStore<CachedResponse>,
  logger: Logger,
  { holdMs = DEFAULT_HOLD_MS, ...bounds }: FastPathAnswersOptions = {},
): FastPathAnswers {
  const held = new BoundedMemo<FastPathAnswer>(bounds);
  return {
    async fresh(key, tenantId) {
      const now = Date.now();
      const known = held.get(key, now);
      if (known) return known;
      const hit = await cache.getTimed(key, now).catch((err: unknown) => {
        logger.warn({ err, tenantId }, 'cache fast path skipped: the cache store is unavailable');
        return null;
      });
      if (!hit || hit.stale) return null;
      const body = JSON.stringify(hit.value.completion);
      const answer: FastPathAnswer = {
        body,
        bytes: Buffer.byteLength(body),
        provider: safeHeaderValue(`${hit.value.providerId}:${hit.value.model}`),
      };
      held.set(key, answer, answer.bytes, Math.min(hit.freshUntil, now + holdMs));
      return answer;
    },
    held: (key) => held.get(key, Date.now()),
    forget: (key) => held.delete(key),
  };
}

/** Sends a held answer as a cache hit: Switchyard's headers, then the serialised body, in a single write. */
export function sendHeldAnswer(res: ServerResponse, answer: FastPathAnswer): void {
  res.setHeader('x-switchyard-cache', 'hit');
  res.setHeader('x-switchyard-provider', answer.provider);
  res.setHeader('x-switchyard-cost-usd', '0');
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', answer.bytes);
  res.end(answer.body);
}
