import { exitDescription, stopChild, type Child } from './child-processes';

/** Restart delays: the first retry comes quickly, a child that keeps failing is retried less often. */
export const RESTART_BACKOFF = {
  initialMs: 500,
  maxMs: 10_000,
  /** A child that stays up this long is considered healthy again, and its next restart is quick. */
  resetAfterMs: 30_000,
} as const;

/** The delay before restart number `attempt` (0-based): doubling from the initial delay up to the cap. */
export function restartDelayMs(attempt: number): number {
  return Math.min(RESTART_BACKOFF.maxMs, RESTART_BACKOFF.initialMs * 2 ** attempt);
}

/**
 * One part of the gateway (Temporal, the mock, the worker, the API) that the launcher keeps running:
 * when it dies on its own, it is started again after a backoff; when the launcher stops, it stays stopped.
 */
export class SupervisedChild {
  private current: Child;
  private stopping = false;
  private supervising = false;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  /**
   * @param start starts a fresh process for this part
   * @param graceMs how long a stop waits for the part to finish its work before killing it
   * @param say where the one-line restart notices go
   */
  constructor(
    private readonly start: () => Child,
    private readonly graceMs: number,
    private readonly say: (line: string) => void,
  ) {
    this.current = start();
  }

  /** The process currently running this part. */
  get child(): Child {
    return this.current;
  }

  /** From now on, an unexpected exit restarts the part instead of being left to the caller. */
  supervise(): void {
    if (this.supervising) return;
    this.supervising = true;
    this.watch(this.current);
  }

  /** Stops the part (and any pending restart); it is not started again. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await stopChild(this.current, this.graceMs);
  }

  private watch(child: Child): void {
    const startedAt = Date.now();
    void child.exited.then(() => {
      if (this.stopping || child !== this.current) return;
      if (Date.now() - startedAt >= RESTART_BACKOFF.resetAfterMs) this.attempt = 0;
      const delay = restartDelayMs(this.attempt++);
      this.say(`${child.name} exited (${exitDescription(child)}); restarting it in ${delay / 1000} s.`);
      this.restartTimer = setTimeout(() => {
        if (this.stopping) return;
        this.current = this.start();
        this.watch(this.current);
      }, delay);
    });
  }
}
