/** The provider-call activity's input and result. */
import type { ChatCompletion, ChatRequest } from './chat';
import type { ModelPrice, RequestRef } from './job';

/**
 * The job's budget reservation, for a local call to commit at the call's real cost as soon as the provider has
 * answered: one step less for the job than a commit of its own, the same charge (commits are idempotent).
 */
export interface CommitWithCall {
  reservationId: string;
  tenantId: string;
  /** The target's price; the cost is `costOf(usage, price)`, as the job itself would charge. */
  price: ModelPrice | null;
}

/** Input of the provider-call activity. */
export interface ProviderCallInput {
  jobId: string;
  providerId: string;
  model: string;
  request: ChatRequest;
  /** See `AiJobInput.requestRef`: when set, the activity calls with the stored request. */
  requestRef?: RequestRef;
  /** The target's per-attempt timeout, when tighter than the provider's. */
  timeoutMs?: number;
  /** Set on local calls of jobs that let the call commit their reservation (see {@link CommitWithCall}). */
  commit?: CommitWithCall;
  /**
   * Attempts already made on this target by an earlier activity (a first call made with the job's reservation):
   * a retry, however numbered, finds the circuit open and stops, as Temporal's own retry would.
   */
  priorAttempts?: number;
  /** Streams the answer: the call writes its progress and tokens to this stream of the stream store. */
  stream?: { id: string };
}

export interface ProviderCallResult {
  completion: ChatCompletion;
  latencyMs: number;
  /** Temporal's attempt number of the call that succeeded. */
  attempt: number;
  /** The key of the provider's pool the call used. */
  keyAlias: string;
  /** True when the call committed the job's reservation (asked with `commit`); the job then need not. */
  committed?: boolean;
}
