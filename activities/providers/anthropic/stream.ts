import type Anthropic from '@anthropic-ai/sdk';
import { APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { guardedStream } from '../guarded-stream';
import type { ProviderError } from '../provider-error';
import { errorEventFailure, eventlessStream, streamOutcome, truncatedStream } from '../stream-assembly';
import type { ChatStreamCallInput, ChatStreamOutcome, ProviderConnection } from '../types';
import { classifyAnthropicError } from './errors';
import { AnthropicEventFold } from './event-fold';
import { structuredOutputTool } from './tools';
import { fromAnthropicMessage, toAnthropicRequest } from './wire';

/**
 * A streamed Messages API call (`stream: true`) through `client`: events are relayed as they come and folded
 * into the Message `chat()` would have received, which `fromAnthropicMessage` then translates as it
 * translates that Message.
 */
export function streamAnthropicChat(
  client: Anthropic,
  connection: ProviderConnection,
  { model, request, signal, timeoutMs, idleTimeoutMs, onDelta }: ChatStreamCallInput,
): Promise<ChatStreamOutcome> {
  return guardedStream(
    {
      bounds: { connectionTimeoutMs: connection.timeoutMs, timeoutMs, signal, idleTimeoutMs },
      classify: classifyAnthropicStreamError,
      onDelta,
      abortError: () => new APIUserAbortError(),
    },
    async (call) => {
      const structuredTool = structuredOutputTool(request);
      const body = { ...toAnthropicRequest(model, request, connection.defaultMaxTokens), stream: true as const };
      const stream = await client.messages.create(body, { signal: call.signal });
      const fold = new AnthropicEventFold(call.relay, structuredTool);
      for await (const event of call.events(stream)) fold.add(event);
      if (fold.empty) throw eventlessStream();
      if (!fold.finished) throw truncatedStream('no stop_reason arrived');
      fold.releaseHeldText();
      const completion = fromAnthropicMessage(fold.body(), model, structuredTool);
      return streamOutcome({ completion, relay: call.relay, request, usageReported: fold.usageReported });
    },
  );
}

/** `classifyAnthropicError`, with an `error` event inside the stream read as the provider failing (see `errorEventFailure`). */
function classifyAnthropicStreamError(error: unknown, now?: number): ProviderError {
  const failure = classifyAnthropicError(error, now);
  return error instanceof APIError && error.status === undefined ? errorEventFailure(failure) : failure;
}
