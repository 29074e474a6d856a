/**
 * The silence bound of a streamed call. The call's deadline bounds the whole answer, which may rightly take
 * minutes; a provider that stops sending halfway should not hold the call that long, so every event it sends
 * restarts this shorter count.
 */
export interface IdleTimer {
  /** Aborts once the stream has been quiet for `idleMs`. */
  readonly signal: AbortSignal;
  /** True once the timer (not anything else) has aborted. */
  readonly fired: boolean;
  readonly idleMs: number;
  /** The stream has just sent something: the count starts again. */
  touch(): void;
  /** Clears the timer; call it when the call has settled. */
  dispose(): void;
}

/** Starts counting `idleMs` of silence from now. */
export function startIdleTimer(idleMs: number): IdleTimer {
  const controller = new AbortController();
  let fired = false;
  let lastEventAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  // One timer re-armed for what is left, rather than one cleared and set per event: a stream sends thousands.
  const arm = (delayMs: number): void => {
    timer = setTimeout(check, delayMs);
    // A pending timer must not keep a draining worker process alive.
    timer.unref();
  };
  function check(): void {
    const quietMs = performance.now() - lastEventAt;
    if (quietMs < idleMs) {
      arm(idleMs - quietMs);
      return;
    }
    fired = true;
    controller.abort(new DOMException(`Provider stream was silent for ${idleMs} ms`, 'TimeoutError'));
  }
  arm(idleMs);
  return {
    signal: controller.signal,
    idleMs,
    get fired() {
      return fired;
    },
    touch() {
      lastEventAt = performance.now();
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}
