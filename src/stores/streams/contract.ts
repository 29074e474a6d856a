/**
 * Contract of the stream store: the chunks of a streamed answer, carried from the worker that produces them to
 * whichever API process holds (or later resumes) the client's SSE connection, outside Temporal's history.
 * On the cache store (a SQLite file or Redis Streams).
 */

/** One entry of a stream: an id assigned by the store, increasing within the stream, and its data. */
export interface StreamEntry {
  /** Opaque to callers; handed back as `after` (the client's `Last-Event-ID`). */
  id: string;
  data: string;
}

/** How a read waits and how much it returns. */
export interface StreamReadOptions {
  /** How long to wait for a first entry when there is none yet after `after`; 0 does not wait. */
  waitMs: number;
  /**
   * At most this many entries.
   * @default DEFAULT_STREAM_READ_LIMIT
   */
  limit?: number;
  /**
   * Ends the wait early (the client went away, the job ended): the read then resolves with `[]`. A read whose
   * signal is already aborted does not wait, but still returns the entries already there.
   */
  signal?: AbortSignal;
}

/** The entries a read returns when it names no limit. */
export const DEFAULT_STREAM_READ_LIMIT = 1_000;

/** The stream store's own settings. */
export interface StreamSettings {
  /**
   * How long a stream is kept after its last append; every append starts the time again.
   * @default 3600
   */
  ttlSeconds?: number;
  /**
   * SQLite only: how often waiting reads look for entries appended by other processes, which SQLite cannot
   * announce (appends in the same process wake them at once).
   * @default 2
   */
  pollMs?: number;
  /**
   * SQLite only: the table the entries live in.
   * @default 'switchyard_streams'
   */
  sqliteTable?: string;
  /**
   * Redis only: connections kept for blocking reads besides the shared one. Up to this many waiting reads get
   * a connection each; beyond it, waiting reads share them (one XREAD over several streams).
   * @default 16
   */
  redisBlockingConnections?: number;
}

/** The name the stream store's outages carry (`StoreUnavailableError.store`). */
export const STREAMS_STORE = 'streams';

/** Streams kept this long after their last append unless configured otherwise. */
export const DEFAULT_STREAM_TTL_SECONDS = 3_600;

/** The shared stream store. Streams are independent: ids order entries within one stream only. */
export interface StreamStore {
  /** Appends entries in order; resolves with their ids. Refreshes the stream's expiry (ttlSeconds from the settings). */
  append(streamId: string, data: readonly string[]): Promise<string[]>;
  /**
   * Entries after `after` (null: from the start), at most `limit`; waits up to `waitMs` for at least one when
   * there are none yet, then resolves with `[]`. Reading after the id of entry k returns entry k+1 onward, never
   * skipping or repeating one. Rejects with {@link InvalidStreamIdError} when `after` is not an id this store
   * could have given. Waiting reads still pending when the store closes resolve with `[]`.
   */
  read(streamId: string, after: string | null, options: StreamReadOptions): Promise<StreamEntry[]>;
  /** Drops a stream now. */
  remove(streamId: string): Promise<void>;
  /** Rejects when the store cannot be reached (for readiness checks). */
  ping(): Promise<void>;
  /** Ends waiting reads and gives this store's share of the connection back. */
  close(): Promise<void>;
}

export { InvalidStreamIdError } from './invalid-stream-id-error';
