import type Database from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import { KEY_WINDOW_SECONDS, KeyRateCounters } from './counters';
import type { KeyLimits, KeyStateSettings, KeyStateStore, KeyStatus, KeyTake, TokenCharge } from './contract';
import type { SharedSqliteDatabase } from '../shared/sqlite-database';

/** The table the per-key rate counters live in (rate-limiter-flexible's layout). */
const RATE_TABLE = 'switchyard_key_rate_limits';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS provider_key_state (
  provider TEXT NOT NULL,
  alias TEXT NOT NULL,
  cooldown_until INTEGER NOT NULL DEFAULT 0,
  out_until INTEGER NOT NULL DEFAULT 0,
  last_rate_limited_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (provider, alias)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${RATE_TABLE} (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER);
`;

interface StatusRow {
  alias: string;
  cooldown_until: number;
  out_until: number;
  last_rate_limited_at: number;
}

/**
 * Key state in the counters' SQLite file. Each write is one upsert statement, atomic on its own; "later
 * time wins" is `MAX()` inside it, so two workers recording the same key's 429 at once never shorten a
 * cooldown. The table holds a row per key that ever had a 429 or ran out: bounded by the config.
 */
export class SqliteKeyStateStore implements KeyStateStore {
  private readonly counters: KeyRateCounters;
  private readonly statements: ReturnType<typeof prepare>;

  constructor(
    private readonly database: SharedSqliteDatabase,
    options: KeyStateSettings = {},
  ) {
    const { db } = database;
    db.exec(SCHEMA);
    this.statements = prepare(db);
    this.counters = new KeyRateCounters(
      (keyPrefix, points) =>
        new RateLimiterSQLite({
          storeClient: db,
          storeType: 'better-sqlite3',
          tableName: RATE_TABLE,
          // Created above, synchronously: the limiter's own creation is asynchronous and would race the first take.
          tableCreated: true,
          keyPrefix,
          points,
          duration: KEY_WINDOW_SECONDS,
        }),
      options.keyPrefix ?? 'switchyard:key',
    );
  }

  statuses(providerId: string): Promise<Map<string, KeyStatus>> {
    const rows = this.statements.statuses.all(providerId);
    return Promise.resolve(
      new Map(
        rows.map((row) => [
          row.alias,
          { cooldownUntil: row.cooldown_until, outUntil: row.out_until, lastRateLimitedAt: row.last_rate_limited_at },
        ]),
      ),
    );
  }

  coolDown(providerId: string, alias: string, until: number, at: number): Promise<void> {
    this.statements.coolDown.run(providerId, alias, Math.round(until), Math.round(at));
    return Promise.resolve();
  }

  markOut(providerId: string, alias: string, until: number): Promise<void> {
    this.statements.markOut.run(providerId, alias, Math.round(until));
    return Promise.resolve();
  }

  restore(providerId: string, alias: string): Promise<void> {
    this.statements.restore.run(providerId, alias);
    return Promise.resolve();
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
    return this.database.ping();
  }

  close(): Promise<void> {
    this.database.release();
    return Promise.resolve();
  }
}

function prepare(db: Database.Database) {
  return {
    statuses: db.prepare<[string], StatusRow>(
      'SELECT alias, cooldown_until, out_until, last_rate_limited_at FROM provider_key_state WHERE provider = ?',
    ),
    coolDown: db.prepare<[string, string, number, number]>(
      `INSERT INTO provider_key_state (provider, alias, cooldown_until, last_rate_limited_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (provider, alias) DO UPDATE SET
         cooldown_until = MAX(cooldown_until, excluded.cooldown_until),
         last_rate_limited_at = MAX(last_rate_limited_at, excluded.last_rate_limited_at)`,
    ),
    markOut: db.prepare<[string, string, number]>(
      `INSERT INTO provider_key_state (provider, alias, out_until) VALUES (?, ?, ?)
       ON CONFLICT (provider, alias) DO UPDATE SET out_until = MAX(out_until, excluded.out_until)`,
    ),
    restore: db.prepare<[string, string]>(
      'UPDATE provider_key_state SET cooldown_until = 0, out_until = 0 WHERE provider = ? AND alias = ?',
    ),
  };
}
