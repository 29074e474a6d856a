/** When a group is sent: as soon as it holds `maxItems`, or `maxWaitMs` after its first item arrived. */
export interface MicroBatcherOptions {
  maxItems: number;
  maxWaitMs: number;
  /** The clock (tests pass their own). */
  now?: () => number;
}

/** What an item's caller learns besides its own result: how long it waited for its group, and the group's size. */
export interface Batched<R> {
  result: R;
  /** From the item's arrival to its group being sent. */
  waitedMs: number;
  /** Items in the group it was sent with. */
  batchSize: number;
}

interface Pending<I, R> {
  items: I[];
  arrivals: number[];
  waiters: Array<{ resolve: (batched: Batched<R>) => void; reject: (err: unknown) => void }>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Groups items that arrive close together under the same key (the same model, say) and hands each group to
 * `send` at once, so many small requests make one call. `send` answers one result per item, in order; if it
 * throws, every item of the group gets the error. Groups of different keys never mix.
 */
export class MicroBatcher<I, R> {
  private readonly pending = new Map<string, Pending<I, R>>();
  private readonly now: () => number;

  constructor(
    private readonly options: MicroBatcherOptions,
    private readonly send: (key: string, items: I[]) => Promise<R[]>,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Items waiting to be sent now, over every key. */
  get waiting(): number {
    let count = 0;
    for (const group of this.pending.values()) count += group.items.length;
    return count;
  }

  /** Adds an item to its key's group; resolves with its result once the group has been sent and answered. */
  add(key: string, item: I): Promise<Batched<R>> {
    let group = this.pending.get(key);
    if (!group) {
      group = { items: [], arrivals: [], waiters: [], timer: undefined };
      this.pending.set(key, group);
    }
    const joined = group;
    const answer = new Promise<Batched<R>>((resolve, reject) => joined.waiters.push({ resolve, reject }));
    joined.items.push(item);
    joined.arrivals.push(this.now());
    if (joined.items.length >= this.options.maxItems || this.options.maxWaitMs === 0) this.flush(key, joined);
    else joined.timer ??= setTimeout(() => this.flush(key, joined), this.options.maxWaitMs);
    return answer;
  }

  private flush(key: string, group: Pending<I, R>): void {
    if (this.pending.get(key) !== group) return;
    this.pending.delete(key);
    clearTimeout(group.timer);
    const sentAt = this.now();
    const size = group.items.length;
    this.send(key, group.items).then(
      (results) => {
        group.waiters.forEach((waiter, i) => {
          const result = results[i];
          if (result === undefined) waiter.reject(new Error(`no result for item ${i} of ${size}`));
          else waiter.resolve({ result, waitedMs: sentAt - (group.arrivals[i] ?? sentAt), batchSize: size });
        });
      },
      (err: unknown) => {
        for (const waiter of group.waiters) waiter.reject(err);
      },
    );
  }
}
