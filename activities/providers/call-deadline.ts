/**
 * A per-call deadline combined with the caller's cancellation signal.
 *
 * The OpenAI and Anthropic SDKs arm their `timeout` around `fetch()` only, i.e. until the response
 * headers arrive; a provider that sends headers and then stalls the body would hang the activity until
 * Temporal's own timeout. The deadline bounds the whole call, and remembers whether it was the deadline
 * or the caller that aborted, so a timeout is classified as TIMEOUT while a cancellation stays an abort.
 */
export interface CallDeadline {
  /** Pass this to the SDK: it aborts when the caller's signal does or when the deadline passes. */
  readonly signal: AbortSignal;
  /** True once the deadline (not the caller) has aborted the call. */
  readonly timedOut: boolean;
  /** The deadline, in milliseconds from the start of the call. */
  readonly timeoutMs: number;
  /**
   * The provider has answered (its response headers are in): from now on only the deadline can abort the call,
   * not the caller. A non-streamed answer is generated, and billed, before its headers are sent, so a body cut
   * off by a cancellation would be paid for and never seen.
   */
  answered(): void;
  /** Clears the timer and detaches from the caller's signal; call it when the call has settled. */
  dispose(): void;
}

/** Starts a deadline of `timeoutMs` for one provider call, following `callerSignal` if given. */
export function startCallDeadline(timeoutMs: number, callerSignal?: AbortSignal): CallDeadline {
  const controller = new AbortController();
  let timedOut = false;
  const followCaller = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) followCaller();
  else callerSignal?.addEventListener('abort', followCaller, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`Provider call exceeded ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  // A pending deadline must not keep a draining worker process alive.
  timer.unref();
  return {
    signal: controller.signal,
    timeoutMs,
    get timedOut() {
      return timedOut;
    },
    answered() {
      callerSignal?.removeEventListener('abort', followCaller);
    },
    dispose() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', followCaller);
    },
  };
}
