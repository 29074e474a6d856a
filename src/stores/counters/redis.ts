import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { SharedRedisClient } from '../shared/redis-connection';
import type { RateCounter, RateCounterStore } from './contract';
import { limiterCounter } from './limiter-counter';

/** Rate counters in Redis: one key per counter and window, counted atomically by the server. */
export class RedisRateCounterStore implements RateCounterStore {
  constructor(private readonly redis: SharedRedisClient) {}

  counter(keyPrefix: string, limit: number, windowSeconds: number): RateCounter {
    return limiterCounter(
      new RateLimiterRedis({
        storeClient: this.redis.client,
        useRedisPackage: true,
        keyPrefix,
        points: limit,
        duration: windowSeconds,
      }),
    );
  }

  ping(): Promise<void> {
    return this.redis.ping();
  }

  close(): Promise<void> {
    return this.redis.release();
  }
}
