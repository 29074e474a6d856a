import type OpenAI from 'openai';
import { APIError, APIUserAbortError } from 'openai';
import { guardedStream } from '../guarded-stream';
import type { ProviderError } from '../provider-error';
import { errorEventFailure, eventlessStream, streamOutcome, truncatedStream } from '../stream-assembly';
import type { ChatStreamCallInput, ChatStreamOutcome, ProviderConnection } from '../types';
import { OpenAIChunkFold } from './chunk-fold';
import { classifyOpenAIError } from './errors';
import { type OpenAIWireType, toChatCompletion, toOpenAIRequest } from './wire';

/**
 * A streamed Chat Completions call (`stream: true`, with the usage chunk asked for) through `client`: chunks
 * are relayed as they come and folded into the body `chat()` would have received, which `toChatCompletion`
 * then translates as it translates that body.
 */
export function streamOpenAIChat(
  client: OpenAI,
  type: OpenAIWireType,
  connection: ProviderConnection,
  { model, request, signal, timeoutMs, idleTimeoutMs, onDelta }: ChatStreamCallInput,
): Promise<ChatStreamOutcome> {
  return guardedStream(
    {
      bounds: { connectionTimeoutMs: connection.timeoutMs, timeoutMs, signal, idleTimeoutMs },
      classify: classifyOpenAIStreamError,
      onDelta,
      abortError: () => new APIUserAbortError(),
    },
    async (call) => {
      const body = {
        ...toOpenAIRequest(type, model, request, connection.defaultMaxTokens),
        stream: true as const,
        stream_options: { include_usage: true },
      };
      const stream = await client.chat.completions.create(body, { signal: call.signal });
      const fold = new OpenAIChunkFold(call.relay);
      for await (const chunk of call.events(stream)) fold.add(chunk);
      if (fold.empty) throw eventlessStream();
      // OpenAI always ends a choice with its reason; compatible servers may not, and chat() reads that as a stop.
      if (type === 'openai' && !fold.finished) throw truncatedStream('a choice has no finish_reason');
      const completion = toChatCompletion(fold.body(), model);
      return streamOutcome({ completion, relay: call.relay, request, usageReported: fold.usageReported });
    },
  );
}

/** `classifyOpenAIError`, with an `error` event inside the stream read as the provider failing (see `errorEventFailure`). */
function classifyOpenAIStreamError(error: unknown, now?: number): ProviderError {
  const failure = classifyOpenAIError(error, now);
  return error instanceof APIError && error.status === undefined ? errorEventFailure(failure) : failure;
}
