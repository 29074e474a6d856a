import type { GoogleGenAI } from '@google/genai';
import { malformedResponse } from '../classify-error';
import { guardedStream } from '../guarded-stream';
import type { ProviderError } from '../provider-error';
import { eventlessStream, streamOutcome, truncatedStream } from '../stream-assembly';
import type { ChatStreamCallInput, ChatStreamOutcome, ProviderConnection } from '../types';
import { GeminiChunkFold } from './chunk-fold';
import { classifyGeminiError } from './errors';
import { requireTurns } from './require-turns';
import { fromGeminiResponse, toGeminiRequest } from './wire';

/**
 * A streamed `generateContent` call (`:streamGenerateContent?alt=sse`) through `client`: responses are relayed
 * as they come and folded into the one response `chat()` would have received, which `fromGeminiResponse` then
 * translates as it translates that response.
 */
export function streamGeminiChat(
  client: GoogleGenAI,
  connection: ProviderConnection,
  { model, request, signal, timeoutMs, idleTimeoutMs, onDelta }: ChatStreamCallInput,
): Promise<ChatStreamOutcome> {
  return guardedStream(
    {
      bounds: { connectionTimeoutMs: connection.timeoutMs, timeoutMs, signal, idleTimeoutMs },
      classify: classifyGeminiStreamError,
      onDelta,
    },
    async (call) => {
      const params = toGeminiRequest(model, request, {
        abortSignal: call.signal,
        defaultMaxTokens: connection.defaultMaxTokens,
      });
      requireTurns(params);
      const stream = await client.models.generateContentStream(params);
      const fold = new GeminiChunkFold(call.relay);
      for await (const chunk of call.events(stream)) fold.add(chunk);
      if (fold.empty) throw eventlessStream();
      if (!fold.finished) throw truncatedStream('a candidate has no finishReason');
      const completion = fromGeminiResponse(fold.body(), model);
      return streamOutcome({ completion, relay: call.relay, request, usageReported: fold.usageReported });
    },
  );
}

/** What the SDK throws, as a plain `Error`, when the body ends with text that is not a whole event. */
const INCOMPLETE_EVENT = 'Incomplete JSON segment at the end';

/**
 * `classifyGeminiError`, with a body that ends inside an event read as MALFORMED_RESPONSE rather than as the
 * connection failure a plain `Error` passes for: that is how a 200 answered with one JSON body instead of
 * server-sent events (a broken or non-streaming server) ends.
 */
function classifyGeminiStreamError(error: unknown): ProviderError {
  if (error instanceof Error && error.message === INCOMPLETE_EVENT) {
    return malformedResponse('the streamed answer is not a sequence of server-sent events');
  }
  return classifyGeminiError(error);
}
