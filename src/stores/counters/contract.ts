/**
 * Contract of the rate counters: fixed-window counters shared by every process on the counters store
 * (a SQLite file or Redis), so a limit holds across all of them rather than multiplying by their number.
 * The API counts the tenants' requests and tokens per minute on them.
 */

/** The counters' own settings. */
export interface RateCounterSettings {
  /**
   * The SQLite table the counters live in (rate-limiter-flexible's layout); Redis keys carry only the
   * counter's prefix.
   * @default 'switchyard_rate_limits'
   */
  sqliteTable?: string;
}

/** What a counter answers to a take. */
export type CounterTake = { ok: true } | { ok: false; retryInMs: number };

/** One fixed window of `limit` points per `windowSeconds`, counted per key under its prefix. */
export interface RateCounter {
  readonly limit: number;
  /**
   * Counts `points` against `key`'s current window. When that would pass the limit the take is refused and
   * `retryInMs` says when the window ends (the refused points still count, so the window is not reopened).
   */
  take(key: string, points: number): Promise<CounterTake>;
}

/** The shared counters store. */
export interface RateCounterStore {
  /** A counter under `keyPrefix`; the same prefix and limit give the same counts in every process. */
  counter(keyPrefix: string, limit: number, windowSeconds: number): RateCounter;
  /** Rejects when the store cannot be reached (for readiness checks). */
  ping(): Promise<void>;
  /** Gives this store's share of the connection back. */
  close(): Promise<void>;
}
