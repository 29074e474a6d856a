import { GoogleGenAI } from '@google/genai';
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
import { fromGeminiEmbeddings, toGeminiEmbedRequest } from './embeddings-wire';
import { classifyGeminiError } from './errors';
import { requireTurns } from './require-turns';
import { streamGeminiChat } from './stream';
import { fromGeminiResponse, toGeminiRequest } from './wire';

/**
 * Builds an adapter for the Gemini API over the official `@google/genai` SDK.
 *
 * One SDK client is built here, per connection, so every call through this adapter shares Node's
 * keep-alive connection pool. A connection without a key gets an adapter whose calls reject with
 * NOT_CONFIGURED. The SDK retries only when `httpOptions.retryOptions` is set, so leaving it
 * unset is what keeps retries with Temporal.
 */
export function createGeminiAdapter(connection: ProviderConnection): ProviderAdapter {
  const problem = connectionProblem('gemini', connection);
  if (problem !== undefined) return unconfiguredAdapter('gemini', problem);
  const client = new GoogleGenAI({
    apiKey: connection.apiKey,
    // Pinned so GOOGLE_GENAI_USE_VERTEXAI in the worker's environment cannot reroute the key to Vertex AI.
    vertexai: false,
    httpOptions: {
      ...(connection.baseUrl ? { baseUrl: connection.baseUrl } : {}),
      timeout: connection.timeoutMs,
    },
  });

  return {
    type: 'gemini',
    async chat({ model, request, signal, timeoutMs }: ChatCallInput): Promise<ChatCompletion> {
      const bounds = { connectionTimeoutMs: connection.timeoutMs, timeoutMs, signal };
      // A ProviderError raised while building the request passes through unchanged.
      const raw = await guardedCall(bounds, classifyGeminiError, (abortSignal) => {
        const params = toGeminiRequest(model, request, {
          abortSignal,
          defaultMaxTokens: connection.defaultMaxTokens,
        });
        requireTurns(params);
        return client.models.generateContent(params);
      });
      return fromGeminiResponse(raw, model);
    },
    chatStream(input: ChatStreamCallInput): Promise<ChatStreamOutcome> {
      return streamGeminiChat(client, connection, input);
    },
    async embed({ signal, timeoutMs, ...call }: EmbedCallInput): Promise<Embeddings> {
      const raw = await guardedCall(
        { connectionTimeoutMs: connection.timeoutMs, timeoutMs, signal },
        classifyGeminiError,
        (abortSignal) => client.models.embedContent(toGeminiEmbedRequest(call, abortSignal)),
      );
      return fromGeminiEmbeddings(raw, call);
    },
  };
}
