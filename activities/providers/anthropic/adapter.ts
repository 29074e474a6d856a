import Anthropic from '@anthropic-ai/sdk';
import type { ChatCompletion } from '../../../src/contract/chat';
import { connectionProblem, unconfiguredAdapter } from '../connection-check';
import { guardedCall } from '../guarded-call';
import type {
  ChatCallInput,
  ChatStreamCallInput,
  ChatStreamOutcome,
  ProviderAdapter,
  ProviderConnection,
} from '../types';
import { createAnthropicBatches } from './batch-adapter';
import { classifyAnthropicError } from './errors';
import { streamAnthropicChat } from './stream';
import { structuredOutputTool } from './tools';
import { fromAnthropicMessage, toAnthropicRequest } from './wire';

/**
 * Builds an adapter for Anthropic's Messages API over the official `@anthropic-ai/sdk`.
 *
 * One SDK client is built here, per connection, so every call through this adapter shares Node's
 * keep-alive connection pool. A connection without a key gets an adapter whose calls reject with
 * NOT_CONFIGURED.
 */
export function createAnthropicAdapter(connection: ProviderConnection): ProviderAdapter {
  const problem = connectionProblem('anthropic', connection);
  if (problem !== undefined) return unconfiguredAdapter('anthropic', problem);
  const client = new Anthropic({
    apiKey: connection.apiKey,
    ...(connection.baseUrl ? { baseURL: connection.baseUrl } : {}),
    // An explicit timeout also stops the SDK from refusing non-streaming calls whose max_tokens it
    // estimates would take longer than ten minutes.
    timeout: connection.timeoutMs,
    // Temporal owns retries: an SDK retry would hide the attempt from the workflow and stretch the timeout.
    maxRetries: 0,
  });

  return {
    type: 'anthropic',
    async chat({ model, request, signal, timeoutMs }: ChatCallInput): Promise<ChatCompletion> {
      const raw = await guardedCall(
        { connectionTimeoutMs: connection.timeoutMs, timeoutMs, signal },
        classifyAnthropicError,
        (abortSignal) =>
          client.messages.create(toAnthropicRequest(model, request, connection.defaultMaxTokens), {
            signal: abortSignal,
          }),
      );
      return fromAnthropicMessage(raw, model, structuredOutputTool(request));
    },
    chatStream(input: ChatStreamCallInput): Promise<ChatStreamOutcome> {
      return streamAnthropicChat(client, connection, input);
    },
    batches: createAnthropicBatches(client, connection),
  };
}
