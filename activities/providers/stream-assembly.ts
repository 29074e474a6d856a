/**
 * What the three providers' streams share once their events are read: handing pieces to the caller in OpenAI's
 * delta terms, and turning the ended stream into the call's outcome. Each provider folds its events into the
 * body its non-streamed call would have received and translates that body with the very function `chat()`
 * uses, so the two answers (finish reasons, refusals, structured outputs, usage) cannot drift apart.
 */

import type { ChatCompletion, ChatRequest } from '../../src/contract/chat';
import type { ChatStreamDelta, ChatToolCallDelta } from '../../src/contract/chat-stream';
import { FailureType } from '../../src/contract/failure-types';
import { malformedResponse } from './classify-error';
import { ProviderError } from './provider-error';
import type { ChatStreamOutcome } from './types';
import { estimatedUsage } from './usage-estimate';

/** What the caller's `onDelta` threw: its own failure, passed back to it unclassified. */
export class DeltaConsumerError extends Error {
  override readonly name = 'DeltaConsumerError';

  constructor(override readonly cause: unknown) {
    super('onDelta threw');
  }
}

/** The parts of a piece a provider can send; empty ones are dropped. */
export interface StreamPiece {
  content?: string;
  refusal?: string;
  toolCall?: ChatToolCallDelta;
}

/**
 * Hands pieces to the caller's `onDelta` and counts them. The first piece of each choice carries the role, as
 * OpenAI's first chunk does; pieces with nothing in them are not sent, so a provider's framing events (starts,
 * pings, empty texts) never reach the caller.
 */
export class DeltaRelay {
  private sent = 0;
  private readonly opened = new Set<number>();
  /** Choices some of whose text (content or refusal) has been sent. */
  private readonly spoken = new Set<number>();

  constructor(private readonly onDelta: (delta: ChatStreamDelta) => void) {}

  /** How many pieces the caller has been handed. */
  get count(): number {
    return this.sent;
  }

  /** Sends one piece of choice `index`, unless it carries nothing. */
  send(index: number, piece: StreamPiece): void {
    const delta: ChatStreamDelta['delta'] = {
      ...(piece.content !== undefined && piece.content !== '' && { content: piece.content }),
      ...(piece.refusal !== undefined && piece.refusal !== '' && { refusal: piece.refusal }),
      ...(piece.toolCall !== undefined && { tool_calls: [piece.toolCall] }),
    };
    if (Object.keys(delta).length === 0) return;
    if (delta.content !== undefined || delta.refusal !== undefined) this.spoken.add(index);
    this.emit(index, delta);
  }

  /**
   * Sends every choice's last piece, with the finish reason of the completion the stream was translated into.
   * A refusal that no piece carried rides on it (Anthropic's `refusal` stop with no text, which the translation
   * gives a stock refusal). Text already sent as content before such a stop cannot be taken back: the pieces
   * keep it as content while the completion, like `chat()`'s, calls it the refusal.
   */
  finish(completion: ChatCompletion): void {
    for (const choice of completion.choices) {
      const { refusal } = choice.message;
      const delta = refusal !== null && !this.spoken.has(choice.index) ? { refusal } : {};
      this.emit(choice.index, delta, choice.finish_reason);
    }
  }

  private emit(index: number, delta: ChatStreamDelta['delta'], finishReason?: ChatStreamDelta['finish_reason']): void {
    const first = !this.opened.has(index);
    this.opened.add(index);
    this.sent++;
    try {
      this.onDelta({
        index,
        delta: first ? { role: 'assistant', ...delta } : delta,
        ...(finishReason !== undefined && { finish_reason: finishReason }),
      });
    } catch (error) {
      throw new DeltaConsumerError(error);
    }
  }
}

/** What a streamed call resolves with; usage the provider never reported is estimated from the texts. */
export function streamOutcome(ended: {
  completion: ChatCompletion;
  relay: DeltaRelay;
  request: ChatRequest;
  usageReported: boolean;
}): ChatStreamOutcome {
  const { completion, relay, request, usageReported } = ended;
  relay.finish(completion);
  if (usageReported) return { completion, usageEstimated: false, deltas: relay.count };
  return {
    completion: { ...completion, usage: estimatedUsage(request, completion) },
    usageEstimated: true,
    deltas: relay.count,
  };
}

/**
 * A 200 whose body held no event at all: not the provider's streaming format (a server that ignored the request
 * to stream and answered with one JSON body, say), as `chat()` reads a body that is not the provider's format.
 */
export function eventlessStream(): ProviderError {
  return malformedResponse('the streamed answer carried no events');
}

/**
 * A stream that ended cleanly but before its answer did (no finish reason): something between us and the
 * provider closed it early, as a dropped connection would, so it is worth a retry.
 */
export function truncatedStream(detail: string): ProviderError {
  return new ProviderError(
    FailureType.ServerError,
    `The provider's stream ended before the answer was complete: ${detail}`,
  );
}

/**
 * A failure the provider reported with an `error` event inside the stream, which the SDKs raise as an API
 * error without an HTTP status; the classifiers read a missing status as a malformed answer, when it is the
 * provider failing mid-answer (OpenAI's `server_error`, Anthropic's `api_error`). Other types stand.
 */
export function errorEventFailure(failure: ProviderError): ProviderError {
  if (failure.type !== FailureType.MalformedResponse) return failure;
  const { status: _status, ...details } = failure.details;
  return new ProviderError(FailureType.ServerError, failure.message, details);
}
