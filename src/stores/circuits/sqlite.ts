import type { SharedSqliteDatabase } from '../shared/sqlite-database';
import { settle } from '../shared/settle';
import type { CircuitRecord, CircuitSettings, CircuitSnapshot, CircuitStore } from './contract';
import { admit, CLOSED, isOpen, recordOutcome } from './state';

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
