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
  close(): Promise<void>;
}

/** Spending caps of one tenant, in US dollars; an absent cap is unlimited. */
export interface SpendCaps {
  dailyUsd?: number;
  monthlyUsd?: number;
}

export interface ReserveInput {
  /** One reservation per job: reserving again under the same id returns the first outcome unchanged. */
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
 * The budget ledger: reserve → commit (real cost) or release. Every operation is keyed by job id and
 * idempotent, so Temporal's retries of the activities that call it never double-count.
 */
export interface BudgetLedger {
  /** Atomically checks the caps (committed + reserved + amount) and reserves the amount. */
  reserve(input: ReserveInput): Promise<ReserveOutcome>;
  /** Replaces the job's reservation with its real cost (0 for a job that cost nothing). */
  commit(jobId: string, actualUsd: number): Promise<void>;
  /** Drops the job's reservation (failed or cancelled job). A no-op when already committed or released. */
  release(jobId: string): Promise<void>;
  spend(tenantId: string, caps: SpendCaps, now: number): Promise<TenantSpend>;
  close(): Promise<void>;
}
