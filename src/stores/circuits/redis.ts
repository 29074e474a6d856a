import type { SharedRedisClient } from '../shared/redis-connection';
import { RedisScript } from '../shared/redis-script';
import type { CircuitRecord, CircuitSettings, CircuitSnapshot, CircuitStore } from './contract';
import { admit, CLOSED, isOpen, recordOutcome } from './state';

type Update<T> = (record: CircuitRecord) => { next: CircuitRecord; result: T };

// Compare-and-set: the record is written only if nobody changed it since it was read.
const COMPARE_AND_SET = new RedisScript(`
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
`);

/** How long an idle circuit's record is kept in Redis. */
const RECORD_TTL_SECONDS = 7 * 86_400;

/** Circuits in Redis: optimistic read-modify-write with a compare-and-set script, retried on conflict. */
export class RedisCircuitStore implements CircuitStore {
  constructor(
    private readonly redis: SharedRedisClient,
    private readonly settings: CircuitSettings,
    private readonly prefix = 'switchyard:circuit',
  ) {}

  private async update<T>(key: string, fn: Update<T>): Promise<T> {
    const redisKey = `${this.prefix}:${key}`;
    for (let attempt = 0; attempt < 50; attempt++) {
      const raw = await this.redis.client.get(redisKey);
      const current = raw ? (JSON.parse(raw) as CircuitRecord) : CLOSED;
      const { next, result } = fn(current);
      if (next === current) return result;
      const swapped = await COMPARE_AND_SET.run(
        this.redis.client,
        [redisKey],
        [raw ?? '', JSON.stringify(next), String(RECORD_TTL_SECONDS)],
      );
      if (swapped === 1) return result;
    }
    throw new Error(`circuit ${key}: too much contention to update its state`);
  }

  admit(key: string, now: number): Promise<boolean> {
    return this.update(key, (record) => {
      const { allowed, next } = admit(record, this.settings, now);
      return { next, result: allowed };
    });
  }

  record(key: string, ok: boolean, now: number): Promise<CircuitRecord> {
    return this.update(key, (record) => {
      const next = recordOutcome(record, this.settings, ok, now);
      return { next, result: next };
    });
  }

  async isOpen(key: string, now: number): Promise<boolean> {
    const raw = await this.redis.client.get(`${this.prefix}:${key}`);
    return raw ? isOpen(JSON.parse(raw) as CircuitRecord, now) : false;
  }

  async list(): Promise<CircuitSnapshot[]> {
    const snapshots: CircuitSnapshot[] = [];
    for await (const keys of this.redis.client.scanIterator({ MATCH: `${this.prefix}:*`, COUNT: 500 })) {
      for (const redisKey of keys) {
        const raw = await this.redis.client.get(redisKey);
        if (raw) snapshots.push({ key: redisKey.slice(this.prefix.length + 1), ...(JSON.parse(raw) as CircuitRecord) });
      }
    }
    return snapshots.sort((a, b) => a.key.localeCompare(b.key));
  }

  ping(): Promise<void> {
    return this.redis.ping();
  }

  close(): Promise<void> {
    return this.redis.release();
  }
}
