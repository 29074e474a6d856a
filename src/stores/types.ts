/**
 * Contracts of the stores shared by the API and the activities: the response cache and the budget
 * ledger. Each has a SQLite implementation (one file under `.data/`, the default) and a Redis one; both
 * are atomic across processes, so limits hold however many API and worker processes share the store.
 */
import type { CacheLookup, CommitOutcome, ReserveOutcome, SpendCaps } from '../contract/activities';

export type { CacheLookup, CommitOutcome, ReserveOutcome, SpendCaps };

/** A cached response, as stored. `freshUntil` is when it turns stale; it is kept until `keepUntil`. */
export interface CacheEntry<T> {
  value: T;
  storedAt: number;
  freshUntil: number;
  keepUntil: number;
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
