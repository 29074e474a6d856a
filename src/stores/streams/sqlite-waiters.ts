/**
 * The waiting reads of one SQLite stream store and the one poll loop they share. Another process's append
 * cannot be announced through SQLite, so while any read waits a timer checks every `pollMs` whether the file
 * changed (`PRAGMA data_version`, which reports other connections' commits and costs no table access) and, when
 * it did, looks up the last entry of every waited stream in one query. The timer runs only while reads wait.
 */

/** The last live entry of each of `streamIds` that has one. */
export type LastSeqs = (streamIds: readonly string[]) => Map<string, number>;

interface Waiter {
  /** The seq the read has seen; an entry above it wakes the read. */
  after: number;
  done(err?: Error): void;
}

export class SqliteStreamWaiters {
  private readonly byStream = new Map<string, Set<Waiter>>();
  private timer: NodeJS.Timeout | undefined;
  private lastVersion: number | undefined;
  /** A read started waiting since the last lookup: it may have missed a commit the data version already counts. */
  private unchecked = false;

  constructor(
    private readonly pollMs: number,
    private readonly dataVersion: () => number,
    private readonly lastSeqs: LastSeqs,
  ) {}

  /**
   * Resolves when an entry above `after` may have been appended to `streamId`, after `timeoutMs`, or when
   * `signal` is aborted; the caller reads again either way. Rejects when the poll's query fails.
   */
  wait(streamId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let set = this.byStream.get(streamId);
      if (!set) {
        set = new Set();
        this.byStream.set(streamId, set);
      }
      const waiters = set;
      const waiter: Waiter = {
        after,
        done: (err) => {
          clearTimeout(timeout);
          signal?.removeEventListener('abort', onAbort);
          waiters.delete(waiter);
          if (waiters.size === 0 && this.byStream.get(streamId) === waiters) this.byStream.delete(streamId);
          if (err) reject(err);
          else resolve();
        },
      };
      const timeout = setTimeout(() => waiter.done(), timeoutMs);
      const onAbort = () => waiter.done();
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.add(waiter);
      this.unchecked = true;
      this.schedule();
    });
  }

  /** Wakes every read waiting on `streamId` (an append in this process). */
  wake(streamId: string): void {
    for (const waiter of [...(this.byStream.get(streamId) ?? [])]) waiter.done();
  }

  /** Wakes every waiting read (the store is closing) and stops the loop. */
  wakeAll(): void {
    for (const waiters of [...this.byStream.values()]) for (const waiter of [...waiters]) waiter.done();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.byStream.size === 0) return;
    this.timer = setTimeout(() => this.tick(), this.pollMs);
    // The waiting reads' own timeouts keep the process alive; the loop need not.
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.byStream.size === 0) return;
    try {
      // Read before the lookup, so a commit that lands during the lookup still changes it for the next tick.
      const version = this.dataVersion();
      if (this.unchecked || version !== this.lastVersion) {
        this.unchecked = false;
        this.lastVersion = version;
        for (const [streamId, last] of this.lastSeqs([...this.byStream.keys()])) {
          for (const waiter of [...(this.byStream.get(streamId) ?? [])]) if (last > waiter.after) waiter.done();
        }
      }
    } catch (err) {
      const failure = err instanceof Error ? err : new Error(String(err));
      for (const waiters of [...this.byStream.values()]) for (const waiter of [...waiters]) waiter.done(failure);
    }
    this.schedule();
  }
}
