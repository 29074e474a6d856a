import { RateLimiterSQLite } from 'rate-limiter-flexible';
import type { SharedSqliteDatabase } from '../shared/sqlite-database';
import type { RateCounter, RateCounterStore } from './contract';
import { limiterCounter } from './limiter-counter';

/** The table the counters live in unless configured otherwise (rate-limiter-flexible's layout). */
export const DEFAULT_RATE_COUNTER_TABLE = 'switchyard_rate_limits';

/** Rate counters in a table of the shared SQLite file; each take is one statement, atomic across processes. */
export class SqliteRateCounterStore implements RateCounterStore {
  constructor(
    private readonly database: SharedSqliteDatabase,
    private readonly table = DEFAULT_RATE_COUNTER_TABLE,
  ) {
    // Created here, synchronously, in rate-limiter-flexible's layout: the limiter's own creation is
    // asynchronous, and a take that came before it finished would fail.
    database.db.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER)`,
    );
  }

  counter(keyPrefix: string, limit: number, windowSeconds: number): RateCounter {
    return limiterCounter(
      new RateLimiterSQLite({
        storeClient: this.database.db,
        storeType: 'better-sqlite3',
        tableName: this.table,
        tableCreated: true,
        keyPrefix,
        points: limit,
        duration: windowSeconds,
      }),
    );
  }

  ping(): Promise<void> {
    return this.database.ping();
  }

  close(): Promise<void> {
    this.database.release();
    return Promise.resolve();
  }
}
