import { whenAnswered } from './answer-arrival';
import { startCallDeadline } from './call-deadline';
import { type ErrorClassifier, providerFailure } from './classify-error';

/** The bounds of one provider call: the connection's timeout, a tighter one of the call's, the caller's signal. */
export interface CallBounds {
  connectionTimeoutMs: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs one SDK call under its deadline (see `startCallDeadline`) and turns what it throws into what an adapter
 * throws (see `providerFailure`). `send` gets the signal to hand the SDK; what it resolves with is returned.
 * The caller's signal aborts the call only until a successful answer's headers arrive: the answer is paid for by
 * then, so its body is read and returned (and charged) even when the job was cancelled meanwhile.
 */
export async function guardedCall(
  bounds: CallBounds,
  classify: ErrorClassifier,
  send: (signal: AbortSignal) => Promise<unknown>,
): Promise<unknown> {
  const { signal } = bounds;
  const deadline = startCallDeadline(Math.min(bounds.connectionTimeoutMs, bounds.timeoutMs ?? Infinity), signal);
  try {
    return await whenAnswered(
      (status) => {
        if (status >= 200 && status < 300) deadline.answered();
      },
      () => send(deadline.signal),
    );
  } catch (error) {
    throw providerFailure(error, classify, { signal, deadline });
  } finally {
    deadline.dispose();
  }
}
