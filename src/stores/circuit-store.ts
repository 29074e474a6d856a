import type { SharedRedisClient } from './redis-connection';
import { RedisScript } from './redis-script';
import type { SharedSqliteDatabase } from './sqlite-database';
import { settle } from './settle';
import { admit, CLOSED, recordOutcome, type CircuitRecord, type CircuitSettings } from './circuit-state';

/** A circuit as the admin endpoint shows it. */
export interface CircuitSnapshot extends CircuitRecord {
  key: string;
}

/**
 * Circuit breakers shared by every worker, keyed by `provider:model`. Each operation is one atomic
 * read-modify-write of the circuit's record, so concurrent workers never both take the half-open probe.
 */
export interface CircuitStore {
  /** Whether a call to `key` may go ahead now; in half-open, true for exactly one caller (the probe). */
  admit(key: string, now: number): Promise<boolean>;
  /** Records a call's outcome. */
  record(key: string, ok: boolean, now: number): Promise<CircuitRecord>;
  /** True while the circuit is open and not yet due a probe; takes no lease. */
  isOpen(key: string, now: number): Promise<boolean>;
  list(): Promise<CircuitSnapshot[]>;
  /** Rejects when the store cannot be reached (for readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

function isOpen(record: CircuitRecord, now: number): boolean {
  return (record.phase === 'open' && now < record.openUntil) || record.phase === 'half_open';
}

type Update<T> = (record: CircuitRecord) => { next: CircuitRecord; result: T };

const SCHEMA = `CREATE TABLE IF NOT EXISTS circuit_breakers (key TEXT PRIMARY KEY, record TEXT NOT NULL)`;

/** Circuits in a SQLite table: one IMMEDIATE transaction per read-modify-write, safe across processes. */
export class SqliteCircuitStore implements CircuitStore {
  private readonly update: <T>(key: string, fn: Update<T>) => T;
  private readonly all: () => Array<{ key: string; record: string }>;

  constructor(
    private readonly database: SharedSqliteDatabase,
    private readonly settings: CircuitSettings,
  ) {
    const { db } = database;
    db.exec(SCHEMA);
    const get = db.prepare<[string], { record: string }>('SELECT record FROM circuit_breakers WHERE key = ?');
    const put = db.prepare<[string, string]>(
      'INSERT INTO circuit_breakers (key, record) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET record = excluded.record',
    );
    const list = db.prepare<[], { key: string; record: string }>(
      'SELECT key, record FROM circuit_breakers ORDER BY key',
    );
    this.update = <T>(key: string, fn: Update<T>): T =>
      db
        .transaction(() => {
          const row = get.get(key);
          const current = row ? (JSON.parse(row.record) as CircuitRecord) : CLOSED;
          const { next, result } = fn(current);
          if (next !== current) put.run(key, JSON.stringify(next));
          return result;
        })
        .immediate();
    this.all = () => list.all();
  }

  admit(key: string, now: number): Promise<boolean> {
    return settle(() =>
      this.update(key, (record) => {
        const { allowed, next } = admit(record, this.settings, now);
        return { next, result: allowed };
      }),
    );
  }

  record(key: string, ok: boolean, now: number): Promise<CircuitRecord> {
    return settle(() =>
      this.update(key, (record) => {
        const next = recordOutcome(record, this.settings, ok, now);
        return { next, result: next };
      }),
    );
  }

  isOpen(key: string, now: number): Promise<boolean> {
    return settle(() => this.update(key, (record) => ({ next: record, result: isOpen(record, now) })));
  }

  list(): Promise<CircuitSnapshot[]> {
    return settle(() => this.all().map((row) => ({ key: row.key, ...(JSON.parse(row.record) as CircuitRecord) })));
  }

  ping(): Promise<void> {
    return this.database.ping();
  }

  close(): Promise<void> {
    this.database.release();
    return Promise.resolve();
  }
}

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
