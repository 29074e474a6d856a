import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { CounterTake, RateCounter } from './contract';

/** A counter over a rate-limiter-flexible limiter, whose refusals are a rejected `RateLimiterRes`. */
export function limiterCounter(limiter: RateLimiterAbstract): RateCounter {
  return {
    limit: limiter.points,
    async take(key: string, points: number): Promise<CounterTake> {
      try {
        await limiter.consume(key, points);
        return { ok: true };
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        return { ok: false, retryInMs: err.msBeforeNext };
      }
    },
  };
}
