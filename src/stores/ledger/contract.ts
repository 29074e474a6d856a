/**
 * Contract of the budget ledger. It has a SQLite implementation (one file under `.data/`, the default) and a
 * Redis one; both are atomic across processes, so caps hold however many API and worker processes share it.
 */
import type { CommitOutcome, ReserveOutcome, SpendCaps } from '../../contract/activities';

export type { CommitOutcome, ReserveOutcome, SpendCaps };

/** The ledger's own settings. */
export interface LedgerSettings {
  /**
   * Prefix of every key the Redis ledger writes (the SQLite ledger has its own tables).
   * @default 'switchyard:budget'
   */
  keyPrefix?: string;
  /**
   * How long a job's reservation is remembered, from its reserve. Reserving, committing or releasing the
   * job later than this starts from nothing; it must outlast every retry of the job's activities.
   * @default 3456000 (40 days)
   */
  jobRetentionSeconds?: number;
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
