/**
 * A provider's Batch API in Switchyard's normalised shape (OpenAI's Batch API, Anthropic's Message Batches):
 * many chat requests sent as one offline job, answered within hours at about half price. The adapters in
 * `activities/providers/` translate to and from each provider's wire format; a workflow submits, polls and
 * collects through these shapes without knowing which provider it talks to.
 */
import type { ChatCompletion, ChatRequest } from './chat';
import type { FailureType } from './failure-types';

/**
 * The `customId`s the providers accept (Anthropic's rule, the stricter of the two): letters, digits, `_` and
 * `-`, 1 to 64 characters, unique within a batch.
 */
export const BATCH_CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** Why `customId` cannot name an item of a batch whose other items use `taken`, or undefined when it can. */
export function customIdProblem(customId: string, taken: ReadonlySet<string>): string | undefined {
  if (!BATCH_CUSTOM_ID_PATTERN.test(customId)) {
    return `customId '${customId}' must be 1 to 64 letters, digits, '_' or '-'`;
  }
  return taken.has(customId) ? `customId '${customId}' is used by another item of the batch` : undefined;
}

/** One request of a batch. */
export interface ProviderBatchItem {
  /** Unique within the batch and matching {@link BATCH_CUSTOM_ID_PATTERN}; results are matched back by it. */
  customId: string;
  request: ChatRequest;
}

/**
 * Where a batch is, in terms common to the providers. `ended`, `cancelled`, `failed` and `expired` are final;
 * results can be read in all of them but `failed`, which means the provider refused the batch as a whole
 * (OpenAI, when its input file does not validate) and ran none of it.
 */
export type ProviderBatchState =
  'in_progress' | 'finalizing' | 'ended' | 'cancelling' | 'cancelled' | 'failed' | 'expired';

/** The states after which a batch changes no more. */
export const FINAL_BATCH_STATES: readonly ProviderBatchState[] = ['ended', 'cancelled', 'failed', 'expired'];

/** A batch's progress. */
export interface ProviderBatchStatus {
  state: ProviderBatchState;
  /** Items in the batch (0 while OpenAI is still validating the input). */
  total: number;
  /**
   * Items answered successfully so far. OpenAI reports them as they are answered; Anthropic reports every item
   * as processing until the whole batch has ended, so there this stays 0 until then.
   */
  succeeded: number;
  /** Items the provider answered with an error (counted as `succeeded` is). */
  failed: number;
  /** Items never run because the batch was cancelled first; known once the batch has ended. */
  cancelled: number;
  /** Items never run because the batch expired first; known once the batch has ended. */
  expired: number;
  /** Why the provider refused the batch as a whole, when `state` is `failed`. */
  error?: string;
}

/** What a caller keeps of a submitted batch, to poll it, read its results and cancel it. */
export interface ProviderBatchRef {
  /** The provider's id of the batch. */
  providerBatchId: string;
  /** The provider's model name the batch was submitted for. */
  model: string;
  /**
   * What the adapter needs to read some items' answers back, keyed by customId: Anthropic forces a JSON answer
   * through a tool, whose name is noted here. Absent when no item needs it; opaque to the caller.
   */
  resultHints?: Record<string, string>;
}

/** A submitted batch, with the items that could not be sent. */
export interface ProviderBatchSubmission {
  batch: ProviderBatchRef;
  /**
   * Items left out because they cannot be sent to this provider (say, a request Anthropic's format cannot carry,
   * or an unusable customId), each as a failed result. They are not charged and have no result in the batch.
   */
  rejected: ProviderBatchResult[];
}

/** Why an item has no answer although the provider did not reject it: its batch stopped before running it. */
export const BatchItemNotRun = {
  Cancelled: 'BATCH_CANCELLED',
  Expired: 'BATCH_EXPIRED',
} as const;

export type BatchItemNotRun = (typeof BatchItemNotRun)[keyof typeof BatchItemNotRun];

/** Why an item failed: the provider's rejection classified as a synchronous call's would be, or not run. */
export interface ProviderBatchItemError {
  type: FailureType | BatchItemNotRun;
  message: string;
  /** The provider's own error code, when it gave one. */
  providerCode?: string;
}

/** One item's outcome: its completion (normalised as a synchronous answer is), or why there is none. */
export type ProviderBatchResult =
  | { customId: string; ok: true; completion: ChatCompletion }
  | { customId: string; ok: false; error: ProviderBatchItemError };
