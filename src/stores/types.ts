/**
 * Contracts of the stores shared by the API and the activities: the response cache and the budget
 * ledger. Each has a SQLite implementation (one file under `.data/`, the default) and a Redis one; both
 * are atomic across processes, so limits hold however many API and worker processes share the store.
 */

/** A cached response, as stored. `freshUntil` is when it turns stale; it is kept until `keepUntil`. */
export interface CacheEntry<T> {
  value: T;
  storedAt: number;
  freshUntil: number;
  keepUntil: number;
}

/** A lookup result: the entry and whether it is past its fresh time (served only as a degraded fallback). */
export interface CacheLookup<T> {
  value: T;
  storedAt: number;
  stale: boolean;
}

export interface ResponseCacheStore<T> {
  /** The entry under `key`, fresh or stale; null when absent or past `keepUntil` (a miss is not an error). */
  get(key: string, now?: number): Promise<CacheLookup<T> | null>;
  /** Stores `value` fresh for `ttlSeconds`, then kept as stale for `staleSeconds` more. */
  set(key: string, value: T, ttlSeconds: number, staleSeconds: number, now?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Rejects when the store cannot be reached (for readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Spending caps of one tenant, in US dollars; an absent cap is unlimited. */
export interface SpendCaps {
  dailyUsd?: number;
  monthlyUsd?: number;
}

export interface ReserveInput {
  /**
   * One reservation per id. Reserving again while it is still reserved (a retried activity) returns the
   * first outcome unchanged; once it is committed or released the id is closed, and reserving it again
   * rejects with `ReservationClosedError`.
   */
  jobId: string;
  tenantId: string;
  amountUsd: number;
  caps: SpendCaps;
  /** Epoch milliseconds; the UTC day and month it falls in are the periods charged. */
  now: number;
}

export type ReserveOutcome =
  | { ok: true; reservedUsd: number }
  | {
      ok: false;
      /** Which cap would be exceeded. */
      period: 'daily' | 'monthly';
      capUsd: number;
      /** Committed plus reserved in that period before this request. */
      usedUsd: number;
    };

export interface PeriodSpend {
  /** `2026-11-26` or `2026-11`. */
  period: string;
  committedUsd: number;
  reservedUsd: number;
  capUsd: number | null;
}

export interface TenantSpend {
  tenantId: string;
  daily: PeriodSpend;
  monthly: PeriodSpend;
}

/**
 * What a commit did. The real cost is charged in full even when it passes the reservation (the provider
 * was paid), so `overshootUsd` is how far the estimate fell short: a sign that the reservation did not
 * bound the call, worth a warning.
 */
export interface CommitOutcome {
  /** What the reservation held before the commit. */
  reservedUsd: number;
  /** What was charged. */
  committedUsd: number;
  /** `committedUsd - reservedUsd` when positive, else 0. */
  overshootUsd: number;
}

/**
 * The budget ledger: reserve → commit (real cost) or release. Every operation is keyed by job id and
 * idempotent, so Temporal's retries of the activities that call it never double-count.
 */
export interface BudgetLedger {
  /**
   * Atomically checks the caps (committed + reserved + amount) and reserves the amount. A retry while the
   * id is reserved answers as the first call did; rejects with `ReservationClosedError` when the id is
   * already committed or released.
   */
  reserve(input: ReserveInput): Promise<ReserveOutcome>;
  /**
   * Replaces the job's reservation with its real cost (0 for a job that cost nothing) and reports how it
   * compares with the reservation. A second commit charges nothing more and answers with the first one's
   * outcome; a commit of a released or unknown job charges nothing and reports zeros.
   */
  commit(jobId: string, actualUsd: number): Promise<CommitOutcome>;
  /** Drops the job's reservation (failed or cancelled job). A no-op when already committed or released. */
  release(jobId: string): Promise<void>;
  spend(tenantId: string, caps: SpendCaps, now: number): Promise<TenantSpend>;
  /** Rejects when the store cannot be reached (for readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
