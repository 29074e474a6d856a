import type Database from 'better-sqlite3';
import type { SharedSqliteDatabase } from '../shared/sqlite-database';
import { settle } from '../shared/settle';
import { StoreUnavailableError } from '../shared/store-unavailable';
import { checkRead, positiveMs } from './checks';
import {
  DEFAULT_STREAM_TTL_SECONDS,
  STREAMS_STORE,
  type StreamEntry,
  type StreamReadOptions,
  type StreamSettings,
  type StreamStore,
} from './contract';
import { InvalidStreamIdError } from './invalid-stream-id-error';
import { announceLocalAppend, onLocalAppend } from './local-appends';
import { SqliteStreamWaiters } from './sqlite-waiters';

/** The table the entries live in unless configured otherwise. */
export const DEFAULT_STREAM_TABLE = 'switchyard_streams';

/** How often waiting reads look for other processes' appends unless configured otherwise. */
export const DEFAULT_STREAM_POLL_MS = 2;

/** Least time between two deletions of expired streams, unless the last one left more behind. */
const PRUNE_INTERVAL_MS = 10_000;
/** Streams deleted per pruning, so the append that prunes holds the write lock briefly. */
const PRUNE_BATCH = 20;

/** An entry's id: its seq, a positive integer in decimal. */
const SEQ_ID = /^(0|[1-9][0-9]{0,15})$/;

/**
 * Streams in one table of the shared SQLite file. Every entry is a row whose seq (an AUTOINCREMENT rowid, never
 * reused) is its id: seqs are assigned under the file's write lock, so they grow in commit order across all
 * processes and a read after seq k never misses an entry committed later. Each row carries the expiry its
 * append gave the stream; a stream lives as long as its last row says. Expired streams read as empty, are
 * replaced by a later append, and are deleted a few at a time by later appends.
 *
 * Reads that wait are woken at once by appends in this process and by a poll loop for other processes' (see
 * {@link SqliteStreamWaiters}).
 */
export class SqliteStreamStore implements StreamStore {
  private readonly ttlMs: number;
  private readonly statements: ReturnType<typeof prepare>;
  private readonly appendTx: (streamId: string, data: readonly string[], now: number) => string[];
  private readonly pruneTx: (now: number) => number;
  private readonly waiters: SqliteStreamWaiters;
  private readonly stopListening: () => void;
  private readonly channel: string;
  private nextPrune = 0;
  private closed = false;

  constructor(
    private readonly database: SharedSqliteDatabase,
    settings: StreamSettings = {},
  ) {
    const table = settings.sqliteTable ?? DEFAULT_STREAM_TABLE;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new RangeError(`sqliteTable is not a plain name: "${table}"`);
    this.ttlMs = positiveMs('ttlSeconds', settings.ttlSeconds ?? DEFAULT_STREAM_TTL_SECONDS, 1000);
    const pollMs = positiveMs('pollMs', settings.pollMs ?? DEFAULT_STREAM_POLL_MS, 1);
    const { db } = database;
    db.exec(schema(table));
    const statements = prepare(db, table);
    this.statements = statements;

    const append = db.transaction((streamId: string, data: readonly string[], now: number): string[] => {
      // An expired stream not yet pruned is gone, as in Redis: the append starts it afresh.
      const last = statements.last.get(streamId);
      if (last !== undefined && last.expires_at < now) statements.removeStream.run(streamId);
      const expiresAt = now + this.ttlMs;
      return data.map((entry) => String(statements.insert.run(streamId, entry, expiresAt).lastInsertRowid));
    });
    this.appendTx = (streamId, data, now) => append.immediate(streamId, data, now);

    const prune = db.transaction((now: number): number => {
      const streams = statements.expiredStreams.all({ now, limit: PRUNE_BATCH });
      for (const { stream_id } of streams) statements.removeStream.run(stream_id);
      return streams.length;
    });
    this.pruneTx = (now) => prune.immediate(now);

    this.waiters = new SqliteStreamWaiters(
      pollMs,
      () => Number(statements.dataVersion.get()),
      (streamIds) => {
        const rows = statements.lastSeqs.all({ streamIds: JSON.stringify(streamIds), now: Date.now() });
        return new Map(rows.map((row) => [row.stream_id, row.seq]));
      },
    );
    this.channel = `${database.path}\n${table}`;
    this.stopListening = onLocalAppend(this.channel, (streamId) => this.waiters.wake(streamId));
  }

  append(streamId: string, data: readonly string[]): Promise<string[]> {
    return settle(() => {
      this.checkOpen();
      if (data.length === 0) return [];
      const now = Date.now();
      // Before the append, not after: an append that committed must not then fail and be retried.
      this.pruneExpired(now);
      const ids = this.appendTx(streamId, data, now);
      announceLocalAppend(this.channel, streamId);
      return ids;
    });
  }

  async read(streamId: string, after: string | null, options: StreamReadOptions): Promise<StreamEntry[]> {
    this.checkOpen();
    const afterSeq = parseSeq(after);
    const { waitMs, limit } = checkRead(options);
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.closed) return [];
      const rows = this.statements.entries.all({ streamId, after: afterSeq, now: Date.now(), limit });
      if (rows.length > 0) return rows.map((row) => ({ id: String(row.seq), data: row.data }));
      const remaining = deadline - Date.now();
      if (remaining <= 0 || options.signal?.aborted) return [];
      await this.waiters.wait(streamId, afterSeq, remaining, options.signal);
    }
  }

  remove(streamId: string): Promise<void> {
    return settle(() => {
      this.checkOpen();
      this.statements.removeStream.run(streamId);
    });
  }

  ping(): Promise<void> {
    return this.database.ping();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.stopListening();
      this.waiters.wakeAll();
      this.database.release();
    }
    return Promise.resolve();
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreUnavailableError(STREAMS_STORE, new Error('the stream store is closed'));
  }

  private pruneExpired(now: number): void {
    if (now < this.nextPrune) return;
    // A full batch may have left more behind: the next append prunes again instead of waiting for the interval.
    this.nextPrune = this.pruneTx(now) === PRUNE_BATCH ? 0 : now + PRUNE_INTERVAL_MS;
  }
}

/** The seq an `after` id names (0: from the start). */
function parseSeq(after: string | null): number {
  if (after === null) return 0;
  const seq = SEQ_ID.test(after) ? Number(after) : NaN;
  if (!Number.isSafeInteger(seq)) throw new InvalidStreamIdError(after, 'a decimal entry number');
  return seq;
}

function schema(table: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id TEXT NOT NULL,
  data TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ${table}_stream ON ${table} (stream_id);
CREATE INDEX IF NOT EXISTS ${table}_expires ON ${table} (expires_at, stream_id);
`;
}

interface EntryRow {
  seq: number;
  data: string;
}

function prepare(db: Database.Database, table: string) {
  // The index on stream_id also orders by seq (the rowid every index ends with), so "the stream's last row" and
  // "its rows after seq k" are both index range scans.
  const lastExpiry = (stream: string) =>
    `(SELECT expires_at FROM ${table} WHERE stream_id = ${stream} ORDER BY seq DESC LIMIT 1)`;
  return {
    last: db.prepare<[string], { seq: number; expires_at: number }>(
      `SELECT seq, expires_at FROM ${table} WHERE stream_id = ? ORDER BY seq DESC LIMIT 1`,
    ),
    insert: db.prepare<[string, string, number]>(`INSERT INTO ${table} (stream_id, data, expires_at) VALUES (?, ?, ?)`),
    removeStream: db.prepare<[string]>(`DELETE FROM ${table} WHERE stream_id = ?`),
    entries: db.prepare<[{ streamId: string; after: number; now: number; limit: number }], EntryRow>(
      `SELECT seq, data FROM ${table} WHERE stream_id = @streamId AND seq > @after AND ${lastExpiry('@streamId')} >= @now
       ORDER BY seq LIMIT @limit`,
    ),
    lastSeqs: db.prepare<[{ streamIds: string; now: number }], { stream_id: string; seq: number }>(
      `SELECT waited.value AS stream_id, last.seq AS seq FROM json_each(@streamIds) AS waited
       JOIN ${table} AS last ON last.seq = (SELECT seq FROM ${table} WHERE stream_id = waited.value ORDER BY seq DESC LIMIT 1)
       WHERE last.expires_at >= @now`,
    ),
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    // Oldest rows first: they belong to the streams most likely over. A stream is over when its last row has
    // expired, whatever its older rows say.
    expiredStreams: db.prepare<[{ now: number; limit: number }], { stream_id: string }>(
      `SELECT stream_id FROM (SELECT DISTINCT stream_id FROM ${table} WHERE expires_at < @now) AS candidates
       WHERE ${lastExpiry('candidates.stream_id')} < @now LIMIT @limit`,
    ),
  };
}
