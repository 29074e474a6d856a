import type { ChatCompletion, ChatRequest, ProviderType } from '../../src/contract/chat';
import type { ChatStreamDelta } from '../../src/contract/chat-stream';
import type { EmbeddingCall, Embeddings } from '../../src/contract/embeddings';
import type {
  ProviderBatchItem,
  ProviderBatchRef,
  ProviderBatchResult,
  ProviderBatchStatus,
  ProviderBatchSubmission,
} from '../../src/contract/provider-batch';

/** How an adapter reaches one provider account. The key is resolved from its alias before this is built. */
export interface ProviderConnection {
  /** Base URL of the provider's API, e.g. `https://api.openai.com/v1`; the SDK default when unset. */
  baseUrl?: string;
  apiKey: string;
  /** Per-request timeout, in milliseconds. */
  timeoutMs: number;
  /**
   * Output limit sent with a request that has no `max_tokens` (`budgets.defaultMaxTokens`).
   * @default 1024
   */
  defaultMaxTokens?: number;
}

/** One chat call, in Switchyard's normalised shape. */
export interface ChatCallInput {
  /** The provider's own model name (e.g. `claude-haiku-4-5`), not Switchyard's alias. */
  model: string;
  request: ChatRequest;
  /** Aborts the HTTP request when the job is cancelled. */
  signal?: AbortSignal;
  /** A tighter per-call timeout than the connection's (a route target's own budget). */
  timeoutMs?: number;
}

/** One streamed chat call: a chat call plus where its pieces go as they arrive. */
export interface ChatStreamCallInput extends ChatCallInput {
  /**
   * Called once per piece of the answer, in order, as the provider sends it. A throw stops the stream (the HTTP
   * request is aborted) and the call rejects with what was thrown, unclassified: it is the caller's failure.
   */
  onDelta: (delta: ChatStreamDelta) => void;
  /**
   * Longest silence allowed between two events of the stream (and before the first), in milliseconds; a stream
   * quiet for longer fails with TIMEOUT. Defaults to the call's own timeout.
   */
  idleTimeoutMs?: number;
}

/** What a streamed chat call resolves with once its stream has ended. */
export interface ChatStreamOutcome {
  /** The whole answer, as {@link ProviderAdapter.chat} would have returned it for the same request. */
  completion: ChatCompletion;
  /** True when the provider reported no usage and `completion.usage` is an estimate from the texts. */
  usageEstimated: boolean;
  /** How many times `onDelta` was called. */
  deltas: number;
}

/** One embeddings call, in Switchyard's normalised shape. */
export interface EmbedCallInput extends EmbeddingCall {
  /** Aborts the HTTP request when the job is cancelled. */
  signal?: AbortSignal;
  /** A tighter per-call timeout than the connection's. */
  timeoutMs?: number;
}

/** A provider adapter translates the normalised request to the provider's wire format and back. */
export interface ProviderAdapter {
  readonly type: ProviderType;
  /**
   * Calls the provider. Resolves with an OpenAI-shaped completion; rejects with a `ProviderError`
   * whose `type` classifies the failure.
   */
  chat(input: ChatCallInput): Promise<ChatCompletion>;
  /**
   * Calls the provider with a streamed answer, handing each piece to `input.onDelta` in the terms of OpenAI's
   * `chat.completion.chunk` as it arrives: the first piece of a choice carries `role`, a tool call's first piece
   * its id and name and later ones fragments of its arguments, and the last piece of a choice its
   * `finish_reason`. Resolves once the stream has ended with the assembled completion, equal to what
   * {@link ProviderAdapter.chat} returns for the same answer (ids and `created` aside).
   *
   * Rejects like `chat`: an HTTP error before the stream begins is classified as `chat` classifies it; a
   * stream that breaks off is SERVER_ERROR, one that stops making sense MALFORMED_RESPONSE, one quiet for
   * `idleTimeoutMs` TIMEOUT, each with `details.streamedDeltas`; a cancelled call rejects with the abort.
   * Absent where the adapter cannot stream.
   */
  chatStream?(input: ChatStreamCallInput): Promise<ChatStreamOutcome>;
  /**
   * Embeds texts, for providers with an embeddings API (absent for Anthropic, which has none). Rejects with a
   * `ProviderError` like {@link ProviderAdapter.chat}.
   */
  embed?(input: EmbedCallInput): Promise<Embeddings>;
  /** The provider's Batch API, for providers that have one (OpenAI, Anthropic). */
  readonly batches?: ProviderBatches;
}

/** A batch to submit. */
export interface BatchSubmitInput {
  /** The provider's own model name, for every item (each item's `request.model` is Switchyard's alias). */
  model: string;
  /** At least one; customIds unique. */
  items: ProviderBatchItem[];
  /** Labels kept with the batch where the provider keeps them (OpenAI's batch metadata); ignored elsewhere. */
  metadata?: Record<string, string>;
  /** Aborts the HTTP requests when the job is cancelled. */
  signal?: AbortSignal;
  /** A tighter per-request timeout than the connection's. */
  timeoutMs?: number;
}

/** A call about a batch already submitted. */
export interface BatchCallInput {
  /** As `submit` returned it. */
  batch: ProviderBatchRef;
  /** Aborts the HTTP requests when the job is cancelled. */
  signal?: AbortSignal;
  /** A tighter per-request timeout than the connection's. */
  timeoutMs?: number;
}

/**
 * A provider's Batch API: many chat requests answered offline, within hours, at about half price. Every method
 * rejects with a `ProviderError` like {@link ProviderAdapter.chat}; one item's failure is in its result, not
 * a rejection.
 */
export interface ProviderBatches {
  /**
   * Sends the items as one batch. Items the provider cannot take are returned as `rejected` and left out; when
   * none can be sent (or there are none), it rejects with INVALID_REQUEST and nothing is created.
   */
  submit(input: BatchSubmitInput): Promise<ProviderBatchSubmission>;
  status(input: BatchCallInput): Promise<ProviderBatchStatus>;
  /**
   * The results of a batch in a final state other than `failed`, in the order the provider gives them (which is
   * not the items' order: match them by customId). Items the batch stopped before running come back as
   * BATCH_CANCELLED or BATCH_EXPIRED; an item sent that has no result at all was not run either.
   * Rejects with INVALID_REQUEST while the batch is still running.
   */
  results(input: BatchCallInput): Promise<ProviderBatchResult[]>;
  /**
   * Asks the provider to stop the batch and resolves with its status then; items already answered keep their
   * answers (and their cost). Cancelling a batch that has already reached a final state changes nothing.
   */
  cancel(input: BatchCallInput): Promise<ProviderBatchStatus>;
}

/** Builds an adapter for one connection; one factory per provider type. */
export type ProviderAdapterFactory = (connection: ProviderConnection) => ProviderAdapter;
