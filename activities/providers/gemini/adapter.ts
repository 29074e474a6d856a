import { GoogleGenAI } from '@google/genai';
import type { ChatCompletion } from '../../../src/contract/chat';
import { FailureType } from '../../../src/contract/failure-types';
import { startCallDeadline } from '../call-deadline';
import { providerFailure } from '../classify-error';
import { connectionProblem, unconfiguredAdapter } from '../connection-check';
import { ProviderError } from '../provider-error';
import type { Embeddings } from '../../../src/contract/embeddings';
import type { ChatCallInput, EmbedCallInput, ProviderAdapter, ProviderConnection } from '../types';
import { fromGeminiEmbeddings, toGeminiEmbedRequest } from './embeddings-wire';
import { classifyGeminiError } from './errors';
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
      const deadline = startCallDeadline(Math.min(connection.timeoutMs, timeoutMs ?? Infinity), signal);
      let raw: unknown;
      try {
        const params = toGeminiRequest(model, request, {
          abortSignal: deadline.signal,
          defaultMaxTokens: connection.defaultMaxTokens,
        });
        // With no turn at all the SDK throws a plain Error before any call, which would read as a provider
        // fault: retried, and counted against the circuit every tenant shares. The request is invalid.
        if (params.contents === undefined || (Array.isArray(params.contents) && params.contents.length === 0)) {
          throw new ProviderError(FailureType.InvalidRequest, 'Gemini needs at least one user or assistant message.', {
            status: 400,
          });
        }
        raw = await client.models.generateContent(params);
      } catch (error) {
        // A ProviderError raised while building the request passes through unchanged.
        throw providerFailure(error, classifyGeminiError, { signal, deadline });
      } finally {
        deadline.dispose();
      }
      return fromGeminiResponse(raw, model);
    },
    async embed({ signal, timeoutMs, ...call }: EmbedCallInput): Promise<Embeddings> {
      const deadline = startCallDeadline(Math.min(connection.timeoutMs, timeoutMs ?? Infinity), signal);
      let raw: unknown;
      try {
        raw = await client.models.embedContent(toGeminiEmbedRequest(call, deadline.signal));
      } catch (error) {
        throw providerFailure(error, classifyGeminiError, { signal, deadline });
      } finally {
        deadline.dispose();
      }
      return fromGeminiEmbeddings(raw, call);
    },
  };
}
