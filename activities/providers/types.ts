import type { ChatCompletion, ChatRequest, ProviderType } from '../../src/contract/chat';
import type { EmbeddingCall, Embeddings } from '../../src/contract/embeddings';

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
   * Embeds texts, for providers with an embeddings API (absent for Anthropic, which has none). Rejects with a
   * `ProviderError` like {@link ProviderAdapter.chat}.
   */
  embed?(input: EmbedCallInput): Promise<Embeddings>;
}

/** Builds an adapter for one connection; one factory per provider type. */
export type ProviderAdapterFactory = (connection: ProviderConnection) => ProviderAdapter;
