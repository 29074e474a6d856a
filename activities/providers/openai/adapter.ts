import OpenAI from 'openai';
import type { ChatCompletion } from '../../../src/contract/chat';
import { connectionProblem, unconfiguredAdapter } from '../connection-check';
import { guardedCall } from '../guarded-call';
import type { Embeddings } from '../../../src/contract/embeddings';
import type {
  ChatCallInput,
  ChatStreamCallInput,
  ChatStreamOutcome,
  EmbedCallInput,
  ProviderAdapter,
  ProviderConnection,
} from '../types';
import { createOpenAIBatches } from './batch-adapter';
import { fromOpenAIEmbeddings, toOpenAIEmbeddingRequest } from './embeddings-wire';
import { classifyOpenAIError } from './errors';
import { streamOpenAIChat } from './stream';
import { type OpenAIWireType, toChatCompletion, toOpenAIRequest } from './wire';

/**
 * Builds an adapter for OpenAI or an OpenAI-compatible server (vLLM, Ollama, Groq, …) over the official
 * `openai` SDK. The request is already in OpenAI's shape, so translation is small: a few role and field
 * renames where the two kinds of server differ, and a null-safe normalisation of the answer.
 *
 * One SDK client is built here, per connection, so every call through this adapter shares Node's
 * keep-alive connection pool instead of opening a new TLS session. A connection without a key (or an
 * `openai-compatible` one without a base URL) gets an adapter whose calls reject with NOT_CONFIGURED.
 */
export function createOpenAIAdapter(type: OpenAIWireType, connection: ProviderConnection): ProviderAdapter {
  const problem = connectionProblem(type, connection);
  if (problem !== undefined) return unconfiguredAdapter(type, problem);
  const client = new OpenAI({
    apiKey: connection.apiKey,
    ...(connection.baseUrl ? { baseURL: connection.baseUrl } : {}),
    timeout: connection.timeoutMs,
    // Temporal owns retries: an SDK retry would hide the attempt from the workflow and stretch the timeout.
    maxRetries: 0,
    // The connection is the only source of account settings; OPENAI_ORG_ID / OPENAI_PROJECT_ID /
    // OPENAI_ADMIN_KEY in the worker's environment must not leak into requests (least of all to
    // third-party compatible servers).
    organization: null,
    project: null,
    adminAPIKey: null,
  });

  return {
    type,
    async chat({ model, request, signal, timeoutMs }: ChatCallInput): Promise<ChatCompletion> {
      const raw = await guardedCall(
        { connectionTimeoutMs: connection.timeoutMs, timeoutMs, signal },
        classifyOpenAIError,
        (abortSignal) =>
          client.chat.completions.create(toOpenAIRequest(type, model, request, connection.defaultMaxTokens), {
            signal: abortSignal,
          }),
      );
      return toChatCompletion(raw, model);
    },
    chatStream(input: ChatStreamCallInput): Promise<ChatStreamOutcome> {
      return streamOpenAIChat(client, type, connection, input);
    },
    async embed({ signal, timeoutMs, ...call }: EmbedCallInput): Promise<Embeddings> {
      const raw = await guardedCall(
        { connectionTimeoutMs: connection.timeoutMs, timeoutMs, signal },
        classifyOpenAIError,
        (abortSignal) => client.embeddings.create(toOpenAIEmbeddingRequest(call), { signal: abortSignal }),
      );
      return fromOpenAIEmbeddings(raw, call);
    },
    // Only OpenAI's own API: most compatible servers have no Batch API, and a capability that answers 404 is
    // worse than none.
    ...(type === 'openai' && { batches: createOpenAIBatches(client, type, connection) }),
  };
}
