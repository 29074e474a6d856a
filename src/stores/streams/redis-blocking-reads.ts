import type { RedisClient, SharedRedisClient } from '../shared/redis-connection';
import type { StreamEntry } from './contract';
import { formatRedisEntryId, isAfter, parseXreadReply, type RedisEntryId } from './redis-ids';

/** One waiting read. */
interface Waiter {
  key: string;
  after: RedisEntryId;
  limit: number;
  deadline: number;
  timer: NodeJS.Timeout;
  /** Stops listening to the read's signal. */
  unlisten(): void;
  resolve(entries: StreamEntry[]): void;
  reject(err: unknown): void;
}

/** A connection of its own for blocking XREADs, and the reads waiting on it. */
interface Blocker {
  connection: Promise<{ client: RedisClient; id: number }>;
  waiters: Set<Waiter>;
  running: boolean;
  /** An XREAD is on the server (or on its way there, or its answer on its way back). */
  blocked: boolean;
  /** Counts the XREADs sent: a waiter that came during round n is in every round after it. */
  round: number;
  /** The last round interrupted for a new waiter; one CLIENT UNBLOCK per round is enough. */
  rearmedRound: number;
}

/**
 * Blocking XREADs, kept off the shared connection: a blocked XREAD holds its connection until it answers, and
 * the shared one carries every other store's commands. Up to `maxConnections` duplicates of the shared client
 * are opened, on demand, and kept. A waiting read takes an idle one; when none is idle and no more may be
 * opened, it joins the least busy one, whose XREAD is interrupted (CLIENT UNBLOCK, sent on the shared
 * connection) and sent again over all its waiting reads' streams at once.
 */
export class RedisBlockingReads {
  private readonly blockers: Blocker[] = [];
  private closed = false;

  constructor(
    private readonly shared: SharedRedisClient,
    private readonly maxConnections: number,
  ) {}

  /** Whether a new waiting read would get a connection to itself. */
  hasIdleConnection(): boolean {
    return this.blockers.length < this.maxConnections || this.blockers.some((b) => b.waiters.size === 0);
  }

  /**
   * Entries of `key` after `after`, at most `limit`, waiting up to `waitMs` for one; `[]` when none came or
   * `signal` was aborted first.
   */
  wait(key: string, after: RedisEntryId, limit: number, waitMs: number, signal?: AbortSignal): Promise<StreamEntry[]> {
    if (this.closed || signal?.aborted) return Promise.resolve([]);
    return new Promise<StreamEntry[]>((resolve, reject) => {
      const blocker = this.pick();
      const waiter: Waiter = {
        key,
        after,
        limit,
        deadline: Date.now() + waitMs,
        // The XREAD's own timeout answers first as a rule; this one covers a waiter whose rearm failed, or a
        // connection still being made.
        timer: setTimeout(() => settle(blocker, waiter, []), waitMs),
        unlisten: () => signal?.removeEventListener('abort', onAbort),
        resolve,
        reject,
      };
      // The XREAD goes on for the connection's other reads; a later read interrupts it if it needs to.
      const onAbort = () => settle(blocker, waiter, []);
      signal?.addEventListener('abort', onAbort, { once: true });
      blocker.waiters.add(waiter);
      if (!blocker.running) void this.run(blocker);
      else if (blocker.blocked) void this.rearm(blocker);
      // Otherwise the blocker is connecting, and its first XREAD will include this waiter.
    });
  }

  /** Ends every waiting read with `[]` and disconnects the blocking connections. */
  async close(): Promise<void> {
    this.closed = true;
    const blockers = this.blockers.splice(0);
    for (const blocker of blockers) for (const waiter of [...blocker.waiters]) settle(blocker, waiter, []);
    await Promise.all(blockers.map((blocker) => disconnect(blocker)));
  }

  private pick(): Blocker {
    const idle = this.blockers.find((b) => b.waiters.size === 0);
    if (idle) return idle;
    if (this.blockers.length < this.maxConnections) {
      const created = this.createBlocker();
      this.blockers.push(created);
      return created;
    }
    return this.blockers.reduce((least, b) => (b.waiters.size < least.waiters.size ? b : least));
  }

  private createBlocker(): Blocker {
    const base = this.shared.client;
    // No reconnecting: a blocker whose connection drops is dropped too, and the next read opens a new one, or
    // fails at once while Redis is down (as the shared client's commands do) instead of waiting for it.
    const client: RedisClient = base.duplicate({ socket: { ...base.options?.socket, reconnectStrategy: false } });
    // Failures reach the waiting reads through their commands; the shared client already logs the outage.
    client.on('error', () => undefined);
    const connection = (async () => {
      await client.connect();
      const id = await client.sendCommand<unknown>(['CLIENT', 'ID']);
      return { client, id: Number(id) };
    })();
    connection.catch(() => undefined);
    return { connection, waiters: new Set(), running: false, blocked: false, round: 0, rearmedRound: -1 };
  }

  private async run(blocker: Blocker): Promise<void> {
    blocker.running = true;
    try {
      const { client } = await blocker.connection;
      while (!this.closed && blocker.waiters.size > 0) {
        const round = [...blocker.waiters];
        const streams = streamsOf(round);
        const count = Math.max(...round.map((w) => w.limit));
        const blockMs = Math.max(1, Math.ceil(Math.min(...round.map((w) => w.deadline)) - Date.now()));
        blocker.round += 1;
        blocker.blocked = true;
        let reply: unknown;
        try {
          reply = await client.sendCommand<unknown>([
            'XREAD',
            'BLOCK',
            String(blockMs),
            'COUNT',
            String(count),
            'STREAMS',
            ...streams.keys(),
            ...[...streams.values()].map(formatRedisEntryId),
          ]);
        } finally {
          blocker.blocked = false;
        }
        const byKey = parseXreadReply(reply);
        const now = Date.now();
        for (const waiter of round) {
          if (!blocker.waiters.has(waiter)) continue;
          const found = (byKey.get(waiter.key) ?? []).filter((entry) => isAfter(entry.at, waiter.after));
          if (found.length > 0) {
            settle(
              blocker,
              waiter,
              found.slice(0, waiter.limit).map(({ id, data }) => ({ id, data })),
            );
          } else if (waiter.deadline <= now) settle(blocker, waiter, []);
        }
      }
    } catch (err) {
      // The connection failed or could not be made: its waiting reads learn so, and later reads open another.
      const index = this.blockers.indexOf(blocker);
      if (index >= 0) this.blockers.splice(index, 1);
      for (const waiter of [...blocker.waiters]) fail(blocker, waiter, err);
      await disconnect(blocker);
    } finally {
      blocker.running = false;
    }
  }

  /** Interrupts the blocker's XREAD so that it is sent again with the waiter that just joined. */
  private async rearm(blocker: Blocker): Promise<void> {
    const round = blocker.round;
    if (blocker.rearmedRound === round) return;
    blocker.rearmedRound = round;
    try {
      const { id } = await blocker.connection;
      // 0 means the XREAD is not blocked on the server: not there yet (it and this command travel on different
      // connections), or already answered. Either the round ends soon, or trying again finds it blocked.
      for (let attempt = 0; attempt < 200 && blocker.blocked && blocker.round === round; attempt++) {
        const unblocked = await this.shared.client.sendCommand<unknown>(['CLIENT', 'UNBLOCK', String(id)]);
        if (unblocked === 1) return;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } catch {
      // The joining read then waits for the round to end, at the latest its own deadline (see its timer).
    }
  }
}

/** Each stream of a round and the earliest position any of its waiters reads from. */
function streamsOf(round: readonly Waiter[]): Map<string, RedisEntryId> {
  const streams = new Map<string, RedisEntryId>();
  for (const { key, after } of round) {
    const earliest = streams.get(key);
    if (earliest === undefined || isAfter(earliest, after)) streams.set(key, after);
  }
  return streams;
}

/** Ends a waiting read with `entries`, unless it has already ended. */
function settle(blocker: Blocker, waiter: Waiter, entries: StreamEntry[]): void {
  if (!blocker.waiters.delete(waiter)) return;
  clearTimeout(waiter.timer);
  waiter.unlisten();
  waiter.resolve(entries);
}

/** Ends a waiting read with a failure, unless it has already ended. */
function fail(blocker: Blocker, waiter: Waiter, err: unknown): void {
  if (!blocker.waiters.delete(waiter)) return;
  clearTimeout(waiter.timer);
  waiter.unlisten();
  waiter.reject(err);
}

async function disconnect(blocker: Blocker): Promise<void> {
  try {
    const { client } = await blocker.connection;
    // destroy, not close: close would wait for the blocked XREAD to answer.
    if (client.isOpen) client.destroy();
  } catch {
    // never connected
  }
}
