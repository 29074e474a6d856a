import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { settle } from '../shared/settle';

export interface KeyvSqliteStoreOptions {
  /**
   * Table holding the entries; created when missing.
   * @default 'keyv_entries'
   */
  table?: string;
  /**
   * Least time between two purges of expired rows, which run on writes.
   * @default 60000
   */
  purgeIntervalMs?: number;
}

interface Row {
  key: string;
  value: string;
  expires: number | null;
}

/**
 * A Keyv storage adapter over a better-sqlite3 database: one row per key with its serialized value and
 * expiry time (epoch ms). Expired rows read as absent; they are deleted when read and, in batches, on writes.
 * The database is not closed by the adapter: its owner releases it.
 */
export class KeyvSqliteStore extends EventEmitter implements KeyvStoreAdapter {
  /** Keyv reads `opts`; the dialect is informative only (no iterator is offered). */
  readonly opts: { dialect: 'sqlite'; table: string };
  namespace?: string | undefined;

  private readonly purgeIntervalMs: number;
  private lastPurge = 0;
  private readonly statements: ReturnType<typeof prepare>;

  constructor(db: Database.Database, options: KeyvSqliteStoreOptions = {}) {
    super();
    const table = options.table ?? 'keyv_entries';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new Error(`Invalid SQLite table name: ${table}`);
    this.opts = { dialect: 'sqlite', table };
    this.purgeIntervalMs = options.purgeIntervalMs ?? 60_000;
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER) WITHOUT ROWID;` +
        `CREATE INDEX IF NOT EXISTS ${table}_expires ON ${table} (expires) WHERE expires IS NOT NULL;`,
    );
    this.statements = prepare(db, table);
  }

  get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return settle(() => {
      const row = this.statements.get.get(key);
      if (!row) return undefined;
      if (isExpired(row, Date.now())) {
        this.statements.deleteExpired.run(key, row.expires);
        return undefined;
      }
      // Keyv hands the adapter its serialized form and deserializes what comes back.
      return row.value as Value;
    });
  }

  getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return settle(() => {
      const now = Date.now();
      const rows = new Map(this.statements.getMany.all(JSON.stringify(keys)).map((row) => [row.key, row]));
      return keys.map((key) => {
        const row = rows.get(key);
        return row && !isExpired(row, now) ? (row.value as Value) : undefined;
      });
    });
  }

  has(key: string): Promise<boolean> {
    return settle(() => this.statements.has.get(key, Date.now()) !== undefined);
  }

  /** `ttl` in milliseconds; absent or 0 keeps the entry until it is deleted. */
  set(key: string, value: unknown, ttl?: number): Promise<void> {
    return settle(() => {
      if (typeof value !== 'string') throw new TypeError('KeyvSqliteStore stores serialized (string) values only');
      const now = Date.now();
      this.statements.set.run(key, value, ttl ? now + ttl : null);
      this.purgeExpired(now);
    });
  }

  delete(key: string): Promise<boolean> {
    return settle(() => this.statements.delete.run(key).changes > 0);
  }

  deleteMany(keys: string[]): Promise<boolean> {
    return settle(() => this.statements.deleteMany.run(JSON.stringify(keys)).changes > 0);
  }

  /** Deletes the entries of this namespace, or every entry when there is none. */
  clear(): Promise<void> {
    return settle(() => {
      if (this.namespace) {
        // Keyv prefixes keys with `namespace:`; ';' is the character after ':', so this range is the prefix.
        this.statements.clearRange.run(`${this.namespace}:`, `${this.namespace};`);
      } else {
        this.statements.clearAll.run();
      }
    });
  }

  private purgeExpired(now: number): void {
    if (now - this.lastPurge < this.purgeIntervalMs) return;
    this.lastPurge = now;
    this.statements.purge.run(now);
  }
}

function isExpired(row: Row, now: number): boolean {
  return row.expires !== null && row.expires <= now;
}

function prepare(db: Database.Database, table: string) {
  const keysJson = `(SELECT value FROM json_each(?))`;
  return {
    get: db.prepare<[string], Row>(`SELECT key, value, expires FROM ${table} WHERE key = ?`),
    getMany: db.prepare<[string], Row>(`SELECT key, value, expires FROM ${table} WHERE key IN ${keysJson}`),
    has: db.prepare<[string, number], { found: 1 }>(
      `SELECT 1 AS found FROM ${table} WHERE key = ? AND (expires IS NULL OR expires > ?)`,
    ),
    set: db.prepare<[string, string, number | null]>(
      `INSERT INTO ${table} (key, value, expires) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires`,
    ),
    delete: db.prepare<[string]>(`DELETE FROM ${table} WHERE key = ?`),
    // Only the expired version: another process may have rewritten the key since it was read.
    deleteExpired: db.prepare<[string, number | null]>(`DELETE FROM ${table} WHERE key = ? AND expires = ?`),
    deleteMany: db.prepare<[string]>(`DELETE FROM ${table} WHERE key IN ${keysJson}`),
    clearRange: db.prepare<[string, string]>(`DELETE FROM ${table} WHERE key >= ? AND key < ?`),
    clearAll: db.prepare(`DELETE FROM ${table}`),
    // Bounded, so a write that happens to purge never stalls behind a large backlog.
    purge: db.prepare<[number]>(
      `DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE expires IS NOT NULL AND expires <= ? LIMIT 1000)`,
    ),
  };
}
