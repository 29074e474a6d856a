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
   * How long an answer read from the store is served by the process at most (never past the time it turns
   * stale): a `refresh` written by another process is served everywhere within this.
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
  /**
   * The answer under `key` if the process holds it now, without waiting for the store. An answer served past
   * the middle of its hold is read again from the store in the background, once, so a steady run of identical
   * requests never finds it gone.
   */
  held(key: string): FastPathAnswer | undefined;
  /** Drops what the process holds for `key`, once a job has written a newer answer. */
  forget(key: string): void;
}

interface HeldAnswer {
  answer: FastPathAnswer;
  /** Past this (epoch ms) the next request that is served the answer reads it again. */
  refreshAt: number;
  tenantId: string;
}

/**
 * Reads fresh answers from the cache and keeps each one it serves for a moment (`holdMs`, and never past its
 * fresh time), serialized, so a run of identical requests reads and parses the store once per moment rather
 * than once per request. Entries are keyed by cache key, which already carries the tenant's scope.
 *
 * Requests that miss while a read of the same key is under way wait for that read rather than start their
 * own, and an answer still in demand is read again before its hold ends: otherwise, once a second, every
 * request in flight would miss together and take the full route, which at 64 in flight was the whole of the
 * fast path's p99.
 */
export function fastPathAnswers(
  cache: ResponseCacheStore<CachedResponse>,
  logger: Logger,
  { holdMs = DEFAULT_HOLD_MS, ...bounds }: FastPathAnswersOptions = {},
): FastPathAnswers {
  const held = new BoundedMemo<HeldAnswer>(bounds);
  /** Reads under way, by key; `forget` drops a key's read so its result, possibly older, is not held. */
  const reading = new Map<string, Promise<FastPathAnswer | null>>();

  const read = (key: string, tenantId: string): Promise<FastPathAnswer | null> => {
    const underWay = reading.get(key);
    if (underWay) return underWay;
    const now = Date.now();
    const done = cache.getTimed(key, now).then(
      (hit) => {
        const current = reading.get(key) === done;
        if (current) reading.delete(key);
        if (!hit || hit.stale) {
          if (current) held.delete(key);
          return null;
        }
        const body = JSON.stringify(hit.value.completion);
        const answer: FastPathAnswer = {
          body,
          bytes: Buffer.byteLength(body),
          provider: safeHeaderValue(`${hit.value.providerId}:${hit.value.model}`),
        };
        const until = Math.min(hit.freshUntil, now + holdMs);
        if (current) held.set(key, { answer, refreshAt: now + holdMs / 2, tenantId }, answer.bytes, until);
        return answer;
      },
      (err: unknown) => {
        if (reading.get(key) === done) reading.delete(key);
        logger.warn({ err, tenantId }, 'cache fast path skipped: the cache store is unavailable');
        return null;
      },
    );
    reading.set(key, done);
    return done;
  };

  const heldNow = (key: string): FastPathAnswer | undefined => {
    const now = Date.now();
    const entry = held.get(key, now);
    if (!entry) return undefined;
    if (now >= entry.refreshAt && !reading.has(key)) void read(key, entry.tenantId);
    return entry.answer;
  };

  return {
    fresh: (key, tenantId) => {
      const known = heldNow(key);
      return known ? Promise.resolve(known) : read(key, tenantId);
    },
    held: heldNow,
    forget(key) {
      held.delete(key);
      reading.delete(key);
    },
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
