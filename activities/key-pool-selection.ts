/**
 * The pure part of choosing a key from a provider's pool: where each key stands, how much of its weight
 * it gets, the weighted draw, and how long until the soonest key frees up. No I/O, so it is tested alone.
 */

import type { KeyStatus } from '../src/stores/key-state/contract';
import type { ChatRequest } from '../src/contract/chat';
import { footprintOf, imageTokensByName } from '../src/contract/request-footprint';

/** Where a key stands at a given moment. */
export type KeyStanding =
  | { state: 'usable' }
  /** Cooling down after a 429 until `until`. */
  | { state: 'cooling'; until: number }
  /** Out of quota until `until`. */
  | { state: 'out'; until: number };

/** A key's standing at `now` from what the store knows of it (nothing known: usable). */
export function standingOf(status: KeyStatus | undefined, now: number): KeyStanding {
  if (status && status.outUntil > now) return { state: 'out', until: status.outUntil };
  if (status && status.cooldownUntil > now) return { state: 'cooling', until: status.cooldownUntil };
  return { state: 'usable' };
}

/** The least share of its weight a key gets right after a 429. */
export const MIN_RECOVERY_SHARE = 0.1;

/**
 * A key's weight, reduced for a while after its last 429: a key just back from a cooldown is likely close
 * to its limit again, so it gets `MIN_RECOVERY_SHARE` of its weight at first, growing linearly to the whole
 * weight `recoveryMs` after the 429. Keys least recently rate-limited are therefore preferred.
 */
export function recoveredWeight(weight: number, lastRateLimitedAt: number, now: number, recoveryMs: number): number {
  if (lastRateLimitedAt <= 0 || recoveryMs <= 0) return weight;
  const since = Math.max(0, now - lastRateLimitedAt);
  if (since >= recoveryMs) return weight;
  return weight * (MIN_RECOVERY_SHARE + ((1 - MIN_RECOVERY_SHARE) * since) / recoveryMs);
}

/** Draws one item with probability proportional to its weight; `random` returns [0, 1). Undefined when empty. */
export function pickWeighted<T extends { weight: number }>(items: readonly T[], random: () => number): T | undefined {
  const total = items.reduce((sum, item) => sum + Math.max(0, item.weight), 0);
  if (!(total > 0)) return items[0];
  let point = random() * total;
  for (const item of items) {
    point -= Math.max(0, item.weight);
    if (point < 0) return item;
  }
  // Only rounding can get here (random() close to 1): the last item with weight is the one meant.
  return [...items].reverse().find((item) => item.weight > 0);
}

/** Milliseconds from `now` until the soonest of `times` (at least 1: a wait of 0 would spin). */
export function soonestFreeInMs(times: readonly number[], now: number): number {
  if (times.length === 0) return 1;
  return Math.max(1, Math.ceil(Math.min(...times) - now));
}

/** The next UTC midnight after `now`: when daily quotas are assumed to come back. */
export function nextUtcMidnight(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
}

/**
 * Tokens a call may use, for a key's tokens-per-minute limits: input at four characters a token (text, tool
 * schemas, tool calls and results, inline audio and files) plus a few per message and a fixed bound per image
 * for the model's family, plus `max_tokens` (or `defaultMaxTokens`) for each of the `n` choices — which is also
 * how OpenAI counts a request against its own limit before answering it.
 */
export function estimateCallTokens(request: ChatRequest, defaultMaxTokens: number): number {
  const { texts, images, inlineDataChars, messages } = footprintOf(request);
  let chars = inlineDataChars;
  for (const text of texts) chars += text.length;
  // The pool sees the request as the client named it (maybe a route), so the family comes from that name.
  const imageTokens = images > 0 ? images * imageTokensByName(request.model) : 0;
  const input = Math.ceil(chars / 4) + messages * 4 + imageTokens;
  return input + (request.max_tokens ?? defaultMaxTokens) * (request.n ?? 1);
}
