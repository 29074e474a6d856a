/**
 * The activities as workflows see them. Workflows proxy these interfaces by name; `activities/` implements
 * them, and each worker registers only the group it runs: store steps and the flight wait on the jobs
 * queue, provider calls on each provider's queue.
 */
import type { FlightInput, FlightResult } from './flight';
import type { CachedResponse } from './job';
import type { BatchCallInput, CollectBatchInput, CollectedBatch, SubmitBatchInput, SubmittedBatch } from './batch-job';
import type { EmbedTextsInput, EmbedTextsResult } from './embedding-batch';
import type { ProviderBatchStatus } from './provider-batch';
import type { ProviderCallInput, ProviderCallResult } from './provider-call';

/** A cache lookup: the entry and whether it is past its fresh time (served only as a degraded fallback). */
export interface CacheLookup<T> {
  value: T;
  storedAt: number;
  stale: boolean;
}

/** Spending caps of one tenant, in US dollars; an absent cap is unlimited. */
export interface SpendCaps {
  dailyUsd?: number;
  monthlyUsd?: number;
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

export interface LookupCacheInput {
  key: string;
}

export interface StoreCacheInput {
  key: string;
  value: CachedResponse;
  ttlSeconds: number;
  staleSeconds: number;
}

export interface ReserveBudgetInput {
  /** The job id, or a derived id for a second reservation of the same job (downgrade). */
  reservationId: string;
  tenantId: string;
  amountUsd: number;
  caps: SpendCaps;
  /** Workflow time, so a retried reservation falls in the same day as the first try. */
  now: number;
}

export interface CommitBudgetInput {
  reservationId: string;
  actualUsd: number;
  /** For the overshoot warning; absent in the input of workflows started before it was sent. */
  tenantId?: string;
}

export interface ReleaseBudgetInput {
  reservationId: string;
}

export interface ChargeBudgetInput {
  /** One per paid call, e.g. the flight's run. */
  chargeId: string;
  tenantId: string;
  amountUsd: number;
  /** Workflow time, so a retried charge falls in the same day as the first try. */
  now: number;
}

export interface AdmitCircuitInput {
  providerId: string;
  model: string;
  /** The target may be called as a local activity: the answer says whether it should be. */
  local?: boolean;
}

/** Whether a target may be called, and how. */
export interface CircuitAdmission {
  /** False while the target's circuit is open. */
  admitted: boolean;
  /** Call as a local activity: the provider answers fast and this worker has room for another local call. */
  local: boolean;
}

export interface ReserveAndAdmitInput {
  reserve: ReserveBudgetInput;
  /** The chain's first target, admitted only once the reservation holds. */
  admit: AdmitCircuitInput;
}

export interface ReserveAndAdmitOutcome {
  reserved: ReserveOutcome;
  /** Absent when the reservation was refused (no probe of a half-open circuit is taken for nothing). */
  admission?: CircuitAdmission | boolean;
}

/** A job's first step when its first target is called locally: `reserveAndAdmit`, then the call itself. */
export interface ReserveAndCallInput extends ReserveAndAdmitInput {
  call: ProviderCallInput;
}

/** How the first call of a `reserveAndCall` failed, for the job's chain to go on from (see `callChain`). */
export interface FirstCallFailure {
  /** A `FailureType`, or `KEY_POOL_BUSY` when no key was free and no call was made. */
  type: string;
  message: string;
  nonRetryable: boolean;
  /** The delay the failure asked of its retry (a 429's Retry-After, the next key's cooldown), in milliseconds. */
  retryDelayMs?: number;
}

/**
 * What `reserveAndCall` did: the reservation and the admission, as `reserveAndAdmit` answers them, and the call's
 * answer or failure when the target was admitted to a local call. Neither is set when no call was made.
 */
export interface ReserveAndCallOutcome extends ReserveAndAdmitOutcome {
  call?: ProviderCallResult;
  callFailure?: FirstCallFailure;
}

/** Reservations of many items (an embedding batch's), in one store step; each is one `reserveBudget`. */
export interface ReserveEachInput {
  reservations: ReserveBudgetInput[];
}

/** Commits and releases of many items, in one store step. */
export interface SettleEachInput {
  commits: CommitBudgetInput[];
  /** Reservation ids to release. */
  releases: string[];
}

/** Short store operations, run as local activities in the workflow's own worker; each is idempotent. */
export interface StoreSteps {
  /** The cached response, fresh or stale; null on a miss. */
  lookupCache(input: LookupCacheInput): Promise<CacheLookup<CachedResponse> | null>;
  storeCache(input: StoreCacheInput): Promise<void>;
  reserveBudget(input: ReserveBudgetInput): Promise<ReserveOutcome>;
  commitBudget(input: CommitBudgetInput): Promise<CommitOutcome>;
  releaseBudget(input: ReleaseBudgetInput): Promise<void>;
  chargeBudget(input: ChargeBudgetInput): Promise<void>;
  /**
   * Whether the target's circuit admits a call (the chain skips an open one without spending its attempts) and
   * whether to call it locally. A plain boolean in the histories of releases before local calls.
   */
  admitCircuit(input: AdmitCircuitInput): Promise<CircuitAdmission | boolean>;
  /** `reserveBudget`, then `admitCircuit` of the first target: one local activity where a job needs both. */
  reserveAndAdmit(input: ReserveAndAdmitInput): Promise<ReserveAndAdmitOutcome>;
  /** `reserveBudget` of each item, in order: one outcome per reservation. */
  reserveEach(input: ReserveEachInput): Promise<ReserveOutcome[]>;
  /** `commitBudget` and `releaseBudget` of each item. */
  settleEach(input: SettleEachInput): Promise<void>;
}

/** Activities of the jobs queue that are not store steps. */
export interface JobActivities {
  /** Joins (or starts) the flight for the job's cache key and waits for its answer. */
  awaitFlight(input: FlightInput): Promise<FlightResult>;
}

/** The jobs worker's step made of a store step and a provider call (it has both). */
export interface FirstCallSteps {
  /**
   * `reserveAndAdmit`, then, when the first target is admitted to a local call, its first attempt: one local
   * activity instead of two for a job whose provider answers at once. A failed call is reported, not thrown, so
   * the job's chain goes on from it with Temporal's retries.
   */
  reserveAndCall(input: ReserveAndCallInput): Promise<ReserveAndCallOutcome>;
}

/** Activities of each provider's rate-limited queue. */
export interface ProviderActivities {
  callProvider(input: ProviderCallInput): Promise<ProviderCallResult>;
  /** Embeds a batch's texts in one call of the provider. */
  embedTexts(input: EmbedTextsInput): Promise<EmbedTextsResult>;
  /** Sends a batch job's requests to the provider's Batch API. */
  submitBatch(input: SubmitBatchInput): Promise<SubmittedBatch>;
  /** A submitted batch's state and counts. */
  batchStatus(input: BatchCallInput): Promise<ProviderBatchStatus>;
  /** Asks the provider to stop a submitted batch. */
  cancelBatch(input: BatchCallInput): Promise<ProviderBatchStatus>;
  /** Reads a finished batch's answers into the job's output files, priced at the batch price. */
  collectBatch(input: CollectBatchInput): Promise<CollectedBatch>;
}
