import type { ChatStreamDelta } from '../../src/contract/chat-stream';
import { FailureType } from '../../src/contract/failure-types';
import { startCallDeadline } from './call-deadline';
import { type ErrorClassifier, providerFailure } from './classify-error';
import type { CallBounds } from './guarded-call';
import { startIdleTimer } from './idle-timer';
import { ProviderError } from './provider-error';
import { DeltaConsumerError, DeltaRelay } from './stream-assembly';

/** The bounds of one streamed call: those of any call plus the longest silence allowed. */
export interface StreamBounds extends CallBounds {
  /** Defaults to the call's own timeout. */
  idleTimeoutMs?: number;
}

/** How one provider's stream is guarded. */
export interface StreamGuard {
  bounds: StreamBounds;
  classify: ErrorClassifier;
  onDelta: (delta: ChatStreamDelta) => void;
  /**
   * What `chat()` rejects with when the caller aborts, for an abort the SDK answered by ending the stream
   * quietly (the OpenAI and Anthropic SDKs do) instead of throwing.
   */
  abortError?: () => unknown;
}

/** What the guarded code gets to run its stream with. */
export interface StreamCall {
  /** Pass this to the SDK: it aborts on the caller's signal, the deadline, the idle timer, and when the call ends. */
  readonly signal: AbortSignal;
  /** Where the provider's pieces go. */
  readonly relay: DeltaRelay;
  /**
   * The SDK's stream of events, to iterate instead of the stream itself: it marks the stream as begun (so a
   * failure from now on reports `streamedDeltas`), restarts the idle timer on every event, and throws when the
   * stream ended because the call was aborted.
   */
  events<E>(stream: AsyncIterable<E>): AsyncIterable<E>;
}

/** The end of a stream the SDK closed quietly because its signal aborted. */
class StreamAborted extends Error {
  override readonly name = 'StreamAborted';
}

/**
 * Runs one streamed SDK call like `guardedCall` runs a plain one: under the call's deadline and the caller's
 * signal, and with what it throws classified. On top of that, a stream silent for `idleTimeoutMs` fails with
 * TIMEOUT, every failure once the stream has begun carries `details.streamedDeltas`, and a throw from the
 * caller's `onDelta` comes back as it was thrown. The HTTP stream is aborted however the call ends.
 */
export async function guardedStream<T>(guard: StreamGuard, run: (call: StreamCall) => Promise<T>): Promise<T> {
  const { bounds } = guard;
  const deadline = startCallDeadline(Math.min(bounds.connectionTimeoutMs, bounds.timeoutMs ?? Infinity), bounds.signal);
  const idle = startIdleTimer(bounds.idleTimeoutMs ?? deadline.timeoutMs);
  // Aborted once the call has settled, so an SDK that does not cancel its body when iteration stops still lets go.
  const settled = new AbortController();
  const signal = AbortSignal.any([deadline.signal, idle.signal, settled.signal]);
  const relay = new DeltaRelay(guard.onDelta);
  let begun = false;

  async function* events<E>(stream: AsyncIterable<E>): AsyncGenerator<E> {
    begun = true;
    idle.touch();
    for await (const event of stream) {
      idle.touch();
      yield event;
    }
    if (signal.aborted) throw new StreamAborted('the stream was aborted');
  }

  try {
    return await run({ signal, relay, events });
  } catch (error) {
    if (error instanceof DeltaConsumerError) throw error.cause;
    if (bounds.signal?.aborted) {
      throw error instanceof StreamAborted
        ? (guard.abortError?.() ?? new DOMException('This operation was aborted', 'AbortError'))
        : error;
    }
    const streamed = begun ? { streamedDeltas: relay.count } : {};
    if (idle.fired && !deadline.timedOut) {
      throw new ProviderError(FailureType.Timeout, `The provider sent nothing for ${idle.idleMs} ms`, streamed);
    }
    const failure = providerFailure(error, guard.classify, { deadline });
    if (!(failure instanceof ProviderError) || !begun) throw failure;
    throw new ProviderError(failure.type, failure.message, { ...failure.details, ...streamed });
  } finally {
    settled.abort();
    idle.dispose();
    deadline.dispose();
  }
}
