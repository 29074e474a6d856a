/** The provider-call activity's input and result. */
import type { ChatCompletion, ChatRequest } from './chat';
import type { RequestRef } from './job';

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
}

export interface ProviderCallResult {
  completion: ChatCompletion;
  latencyMs: number;
  /** Temporal's attempt number of the call that succeeded. */
  attempt: number;
  /** The key of the provider's pool the call used. */
  keyAlias: string;
}
