/**
 * The batch job's contract: many chat requests sent to a provider's Batch API (OpenAI's Batch API, Anthropic's
 * Message Batches) as one offline job at the batch price, polled durably, with every answer split back per
 * request in input order. The requests and the answers live in the file store; the workflow carries references
 * and counts only, so a batch of any size fits in its history.
 */
import type { CachePlan, CachedResponse, JobTarget, ModelPrice } from './job';
import type { ChatRequest } from './chat';
import type { ProviderBatchRef, ProviderBatchResult, ProviderBatchState } from './provider-batch';

/** Workflow type of a batch job; the API starts batch jobs by this name. */
export const PROVIDER_BATCH_WORKFLOW = 'providerBatchJob';

/** The batch workflow's signature, for starting and addressing it by name. */
export type ProviderBatchWorkflow = (input: BatchJobInput) => Promise<BatchJobResult>;

/** What the providers charge for batch work: half the list price. */
export const BATCH_PRICE_FACTOR = 0.5;

/** A model's price for batch work. */
export function batchPrice(price: ModelPrice | null): ModelPrice | null {
  if (!price) return null;
  return {
    inputUsdPerMTok: price.inputUsdPerMTok * BATCH_PRICE_FACTOR,
    outputUsdPerMTok: price.outputUsdPerMTok * BATCH_PRICE_FACTOR,
    ...(price.cachedInputUsdPerMTok !== undefined
      ? { cachedInputUsdPerMTok: price.cachedInputUsdPerMTok * BATCH_PRICE_FACTOR }
      : {}),
    ...(price.reasoningOutputUsdPerMTok !== undefined
      ? { reasoningOutputUsdPerMTok: price.reasoningOutputUsdPerMTok * BATCH_PRICE_FACTOR }
      : {}),
  };
}

/** One request of a batch, as the API prepared it. */
export interface BatchJobItem {
  /** The caller's `custom_id`. */
  customId: string;
  /** With its output limit set, as it is sent. */
  request: ChatRequest;
  /** Where its answer is cached; null when it is not cacheable. */
  cache: CachePlan | null;
  /** The answer the cache already held when the batch was submitted: the item is not sent. */
  cached?: CachedResponse;
}

/** What the file store holds for a batch job's requests. */
export interface BatchJobItems {
  items: BatchJobItem[];
}

/** How often a running batch is polled: from `initialSeconds`, growing by half each time up to `maxSeconds`. */
export interface BatchPolling {
  initialSeconds: number;
  maxSeconds: number;
}

export interface BatchJobInput {
  /** The job id (the workflow id), also the batch's id in the API. */
  jobId: string;
  tenantId: string;
  /** The one model every request is sent to, with its list price (the batch price is derived from it). */
  target: JobTarget;
  /** Where the prepared requests are in the file store. */
  itemsKey: string;
  total: number;
  /** The worst case of every request at the batch price, reserved before anything is sent. */
  estimateUsd: number;
  /** The tenant's spending caps, in US dollars (as `SpendCaps`). */
  caps: { dailyUsd?: number; monthlyUsd?: number };
  polling: BatchPolling;
  /** The tenant's `input_file_id`, when the requests came in a file. */
  inputFileId?: string;
  metadata: Record<string, string>;
  /** When the API accepted the batch (epoch seconds, as OpenAI's batch object reports times). */
  createdAt: number;
}

/** Where a running batch is: the provider's state and counts, and what the answers so far cost. */
export interface BatchJobStatus {
  phase: 'reserving' | 'submitting' | 'running' | 'collecting' | 'completed' | 'cancelling' | 'cancelled' | 'failed';
  total: number;
  /** Requests answered (from the provider or the cache). */
  done: number;
  /** Requests that got an error. */
  failed: number;
  /** The provider's state of the batch, once submitted. */
  providerState?: ProviderBatchState;
  /** The reservation: the batch's worst case at the batch price. */
  estimateUsd: number;
  /** What the answers cost at the batch price, once collected. */
  costUsd?: number;
  /** Epoch seconds of the last time the provider was asked. */
  polledAt?: number;
}

/** A batch job's end: what collecting its batch found, with its state and totals. */
export interface BatchJobResult extends CollectedBatch {
  jobId: string;
  state: 'completed' | 'cancelled' | 'expired' | 'failed';
  total: number;
  /** Why the provider refused the batch as a whole, when `state` is `failed`. */
  error?: string;
  completedAt: number;
}

/** Input of the activity that sends a batch's requests to the provider. */
export interface SubmitBatchInput {
  jobId: string;
  providerId: string;
  model: string;
  itemsKey: string;
  metadata: Record<string, string>;
}

/** A submitted batch: the provider's reference, with the key that created it (every later call must use it). */
export interface SubmittedBatch {
  batch: ProviderBatchRef;
  keyAlias: string;
  /** Requests sent (the cached ones are not, nor those the provider could not take). */
  sent: number;
  /** Requests the adapter could not send to this provider, each as a failed result. */
  rejected: ProviderBatchResult[];
}

/** Input of the activities that poll, cancel and collect a submitted batch. */
export interface BatchCallInput {
  jobId: string;
  tenantId: string;
  providerId: string;
  submitted: SubmittedBatch;
}

/** Input of the activity that reads a finished batch's answers and writes the job's output files. */
export interface CollectBatchInput extends BatchCallInput {
  itemsKey: string;
  /** The model's list price; answers are charged at the batch price derived from it. */
  price: ModelPrice | null;
}

/** What collecting a batch found. */
export interface CollectedBatch {
  succeeded: number;
  failed: number;
  /** Charged, at the batch price. */
  costUsd: number;
  usage: { inputTokens: number; outputTokens: number };
  /** In the file store: the answers and the errors, each in input order, as OpenAI's batch output files. */
  outputFileId: string | null;
  errorFileId: string | null;
}
