import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { settle } from './settle';
import { SQLITE_MEMORY } from '../../contract/store-url';

/** One user's share of a process-wide SQLite connection. */
export interface SharedSqliteDatabase {
  readonly db: Database.Database;
  readonly path: string;
  /** Runs a trivial read on the connection; rejects when the file cannot be read (or was closed). */
  ping(): Promise<void>;
  /** Gives this share back; the connection closes when the last share is released. Idempotent. */
  release(): void;
}

/**
 * How long a writer waits for another process's write transaction before failing with SQLITE_BUSY.
 * Write transactions here are a few statements long, so waiting is always better than failing.
 * @default 5000
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

interface Entry {
  db: Database.Database;
  shares: number;
}

// One connection per file per process: better-sqlite3 is synchronous, so a second connection in the same
// process would only contend for the file lock with the first one.
const open = new Map<string, Entry>();

/**
 * Opens (or shares) the SQLite database at `path`, creating its directory. The connection uses WAL with
 * `synchronous=NORMAL` and a busy timeout, so API and worker processes can share the file: readers never
 * block the writer, and a writer waits for another process's transaction instead of failing.
 */
export function openSqliteDatabase(path: string): SharedSqliteDatabase {
  const key = path === SQLITE_MEMORY ? path : resolve(path);
  let entry = open.get(key);
  if (!entry) {
    entry = { db: connect(key), shares: 0 };
    open.set(key, entry);
  }
  entry.shares += 1;
  const shared = entry;
  let released = false;
  return {
    db: shared.db,
    path: key,
    ping() {
      return settle(() => {
        // A read of the schema touches the file itself, which `SELECT 1` would not.
        shared.db.prepare('SELECT count(*) FROM sqlite_schema').get();
      });
    },
    release() {
      if (released) return;
      released = true;
      shared.shares -= 1;
      if (shared.shares > 0) return;
      open.delete(key);
      shared.db.close();
    },
  };
}

function connect(path: string): Database.Database {
  if (path !== SQLITE_MEMORY) mkdirSync(dirname(path), { recursive: true });
  // `timeout` is SQLite's busy timeout; it applies from the first statement, so switching to WAL while
  // another process opens the same file waits instead of failing.
  const db = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    // WAL lets readers run beside the one writer; NORMAL skips the fsync per commit that WAL makes safe
    // to skip (a power cut may lose the last transactions, never corrupt the file).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
