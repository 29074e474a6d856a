import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { KeyLimits, KeyTake, TokenCharge } from './contract';

/** Length of a key's request and token windows, in seconds: providers state their key limits per minute. */
export const KEY_WINDOW_SECONDS = 60;

/** Builds a fixed-window limiter of `points` per {@link KEY_WINDOW_SECONDS} on the store, under `keyPrefix`. */
export type KeyLimiterFactory = (keyPrefix: string, points: number) => RateLimiterAbstract;

/**
 * Refused points are given back only while their window has at least this long to run: a refund landing
 * after the window ended would open the next window with points to spare.
 */
const REFUND_MARGIN_MS = 50;

type Consumed = { ok: true; res: RateLimiterRes } | { ok: false; retryInMs: number };

/**
 * Per-key requests and tokens per minute on rate-limiter-flexible limiters (SQLite or Redis), the way the
 * API counts tenant limits. Limiters are built on first use, one per provider, key, kind and limit.
 */
export class KeyRateCounters {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    private readonly build: KeyLimiterFactory,
    private readonly keyPrefix: string,
  ) {}

  async take(providerId: string, key: KeyLimits, tokens: number): Promise<KeyTake> {
    const requests = this.limiter(providerId, 'requests', key.requestsPerMinute);
    if (requests) {
      const taken = await consume(requests, key.alias, 1);
      if (!taken.ok) return taken;
    }
    const tokenLimiter = this.limiter(providerId, 'tokens', key.tokensPerMinute);
    if (!tokenLimiter) return { ok: true, tokens: null };
    const charged = chargeOf(tokens, tokenLimiter.points);
    const taken = await consume(tokenLimiter, key.alias, charged);
    if (!taken.ok) {
      // No call is made, so the request counted above is given back.
      if (requests) await requests.reward(key.alias, 1);
      return taken;
    }
    return { ok: true, tokens: { charged, windowEndsAt: Date.now() + taken.res.msBeforeNext } };
  }

  async freeInMs(providerId: string, key: KeyLimits, tokens: number): Promise<number> {
    const requests = this.limiter(providerId, 'requests', key.requestsPerMinute);
    const tokenLimiter = this.limiter(providerId, 'tokens', key.tokensPerMinute);
    const waits = await Promise.all([
      requests ? waitFor(requests, key.alias, 1) : 0,
      tokenLimiter ? waitFor(tokenLimiter, key.alias, chargeOf(tokens, tokenLimiter.points)) : 0,
    ]);
    return Math.max(...waits);
  }

  async settleTokens(providerId: string, key: KeyLimits, charge: TokenCharge, usedTokens: number): Promise<void> {
    const limiter = this.limiter(providerId, 'tokens', key.tokensPerMinute);
    if (!limiter) return;
    const difference = Math.ceil(usedTokens) - charge.charged;
    if (difference > 0) await limiter.penalty(key.alias, difference);
    else if (difference < 0 && Date.now() < charge.windowEndsAt - REFUND_MARGIN_MS) {
      await limiter.reward(key.alias, -difference);
    }
  }

  private limiter(providerId: string, kind: 'requests' | 'tokens', points: number | undefined) {
    if (points === undefined) return undefined;
    const prefix = `${this.keyPrefix}:${kind}:${providerId}`;
    const id = `${prefix}\u0000${points}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = this.build(prefix, points);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

/** A call larger than the whole per-minute budget could never pass: it is charged the whole budget instead. */
function chargeOf(tokens: number, points: number): number {
  return Math.min(Math.max(1, Math.ceil(tokens)), points);
}

async function consume(limiter: RateLimiterAbstract, key: string, points: number): Promise<Consumed> {
  try {
    return { ok: true, res: await limiter.consume(key, points) };
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    // The store counted the refused points too; giving them back lets a smaller call still fit the window.
    if (err.msBeforeNext > REFUND_MARGIN_MS) await limiter.reward(key, points);
    return { ok: false, retryInMs: Math.max(1, err.msBeforeNext) };
  }
}

async function waitFor(limiter: RateLimiterAbstract, key: string, points: number): Promise<number> {
  const res = await limiter.get(key);
  if (!res || res.consumedPoints + points <= limiter.points) return 0;
  return Math.max(1, res.msBeforeNext);
}
