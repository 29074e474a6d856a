/**
 * Per-provider bounds on the calls one worker process runs at once as local activities (`maxConcurrentCalls`),
 * which a provider's own task queue bounds for queued calls. Waiters are served first come, first served.
 */
export class CallSlots {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly limits: Readonly<Record<string, number>>) {}

  /** Runs `work` once a slot of `providerId` is free; gives up waiting (with the signal's reason) on abort. */
  async run<T>(providerId: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    await this.acquire(providerId, signal);
    try {
      return await work();
    } finally {
      this.release(providerId);
    }
  }

  private async acquire(providerId: string, signal: AbortSignal): Promise<void> {
    const limit = this.limits[providerId] ?? Number.POSITIVE_INFINITY;
    const running = this.running.get(providerId) ?? 0;
    if (running < limit) {
      this.running.set(providerId, running + 1);
      return;
    }
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('the call was cancelled');
    const queue = this.waiting.get(providerId) ?? [];
    this.waiting.set(providerId, queue);
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', abandon);
        resolve();
      };
      const abandon = () => {
        const index = queue.indexOf(grant);
        if (index >= 0) queue.splice(index, 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error('the call was cancelled'));
      };
      signal.addEventListener('abort', abandon, { once: true });
      queue.push(grant);
    });
  }

  private release(providerId: string): void {
    // A freed slot passes straight to the next waiter, so the running count stays as it is.
    const next = this.waiting.get(providerId)?.shift();
    if (next) return next();
    this.running.set(providerId, (this.running.get(providerId) ?? 1) - 1);
  }
}
