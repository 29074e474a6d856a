import { RateLimiterRedis } from 'rate-limiter-flexible';
import { KEY_WINDOW_SECONDS, KeyRateCounters } from './counters';
import type { KeyLimits, KeyStateSettings, KeyStateStore, KeyStatus, KeyTake, TokenCharge } from './contract';
import type { SharedRedisClient } from '../shared/redis-connection';
import { RedisScript } from '../shared/redis-script';

/** Sets each (field, value) pair of ARGV to the larger of its value and the one stored, in one step. */
const SET_MAX = new RedisScript(`
for i = 1, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0') or 0
  if tonumber(ARGV[i + 1]) > current then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
`);

type Field = 'cooldown' | 'out' | 'limited';

/**
 * Key state in Redis: one hash per provider, with fields `<alias>:cooldown`, `<alias>:out` and
 * `<alias>:limited`, so reading a whole pool is one HGETALL. "Later time wins" runs as a Lua script, atomic
 * however many workers record the same key's 429. The hash holds three fields per key: bounded by the config.
 */
export class RedisKeyStateStore implements KeyStateStore {
  private readonly counters: KeyRateCounters;
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: SharedRedisClient,
    options: KeyStateSettings = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'switchyard:key';
    this.counters = new KeyRateCounters(
      (keyPrefix, points) =>
        new RateLimiterRedis({
          storeClient: redis.client,
          useRedisPackage: true,
          keyPrefix,
          points,
          duration: KEY_WINDOW_SECONDS,
        }),
      this.keyPrefix,
    );
  }

  async statuses(providerId: string): Promise<Map<string, KeyStatus>> {
    const fields = await this.redis.client.hGetAll(this.stateKey(providerId));
    const statuses = new Map<string, KeyStatus>();
    for (const [field, value] of Object.entries(fields)) {
      const separator = field.lastIndexOf(':');
      const alias = field.slice(0, separator);
      const status = statuses.get(alias) ?? { cooldownUntil: 0, outUntil: 0, lastRateLimitedAt: 0 };
      const time = Number(value);
      switch (field.slice(separator + 1) as Field) {
        case 'cooldown':
          status.cooldownUntil = time;
          break;
        case 'out':
          status.outUntil = time;
          break;
        case 'limited':
          status.lastRateLimitedAt = time;
          break;
      }
      statuses.set(alias, status);
    }
    return statuses;
  }

  async coolDown(providerId: string, alias: string, until: number, at: number): Promise<void> {
    await this.setMax(providerId, [
      [`${alias}:cooldown`, until],
      [`${alias}:limited`, at],
    ]);
  }

  async markOut(providerId: string, alias: string, until: number): Promise<void> {
    await this.setMax(providerId, [[`${alias}:out`, until]]);
  }

  async restore(providerId: string, alias: string): Promise<void> {
    await this.redis.client.hDel(this.stateKey(providerId), [`${alias}:cooldown`, `${alias}:out`]);
  }

  take(providerId: string, key: KeyLimits, tokens: number): Promise<KeyTake> {
    return this.counters.take(providerId, key, tokens);
  }

  freeInMs(providerId: string, key: KeyLimits, tokens: number): Promise<number> {
    return this.counters.freeInMs(providerId, key, tokens);
  }

  settleTokens(providerId: string, key: KeyLimits, charge: TokenCharge, usedTokens: number): Promise<void> {
    return this.counters.settleTokens(providerId, key, charge, usedTokens);
  }

  ping(): Promise<void> {
    return this.redis.ping();
  }

  close(): Promise<void> {
    return this.redis.release();
  }

  private stateKey(providerId: string): string {
    return `${this.keyPrefix}:state:${providerId}`;
  }

  private async setMax(providerId: string, pairs: Array<[string, number]>): Promise<void> {
    await SET_MAX.run(
      this.redis.client,
      [this.stateKey(providerId)],
      pairs.flatMap(([field, time]) => [field, String(Math.round(time))]),
    );
  }
}
