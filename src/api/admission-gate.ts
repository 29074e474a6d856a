/** Why a gate turned a request away. */
export type RefusalReason = 'queue_full' | 'wait_timeout';

/** A gate had no slot for the request within its limits; the caller answers 503 with `retryAfterSeconds`. */
export class GateRefusedError extends Error {
  override readonly name = 'GateRefusedError';

  constructor(
    readonly gate: string,
    readonly reason: RefusalReason,
    readonly retryAfterSeconds: number,
  ) {
    super(`${gate}: ${reason === 'queue_full' ? 'the wait queue is full' : 'no slot freed up in time'}`);
  }
}

/** The caller gave up (its client disconnected) while it waited; it holds no slot. */
export class GateAbortedError extends Error {
  override readonly name = 'GateAbortedError';
}

/** Gives a slot back; calling it again does nothing. */
export type Release = () => void;

export interface GateOptions {
  /** Named in errors and metrics, e.g. `starts`. */
  name: string;
  /** Slots: at most this many holders at once. */
  limit: number;
  /** Waiters beyond this are refused at once. */
  maxQueued: number;
  /** How long a waiter waits when it brings no deadline of its own, in ms. */
  maxQueueWaitMs: number;
  /** The clock (tests pass their own). */
  now?: () => number;
}

export interface AcquireOptions {
  /** Leaves the queue when aborted. */
  signal?: AbortSignal;
  /** Epoch ms after which the waiter is refused; default: now + `maxQueueWaitMs`. */
  deadline?: number;
}

interface Waiter {
  grant(release: Release): void;
  refuse(err: Error): void;
}

/** Releases remembered to estimate the service rate; enough to smooth it, few enough to follow it. */
const RATE_SAMPLES = 64;
/** Releases older than this say nothing about the rate now. */
const RATE_WINDOW_MS = 30_000;
/** A Retry-After longer than this is a guess no client should act on. */
const MAX_RETRY_AFTER_SECONDS = 60;

/**
 * A counting semaphore with a bounded FIFO wait queue. A released slot goes straight to the oldest waiter,
 * so a late arrival never overtakes the queue; a waiter leaves the queue when its deadline passes or its
 * signal aborts, and never holds a slot afterwards.
 */
export class AdmissionGate {
  private holders = 0;
  private refusals = 0;
  /** In arrival order (a Set keeps insertion order and deletes from the middle in O(1)). */
  private readonly waiters = new Set<Waiter>();
  private readonly releases: number[] = [];
  private readonly now: () => number;

  constructor(private readonly options: GateOptions) {
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return this.options.name;
  }

  /** Slots held now. */
  get inFlight(): number {
    return this.holders;
  }

  /** Requests waiting for a slot now. */
  get queued(): number {
    return this.waiters.size;
  }

  /** Requests refused since the gate was built. */
  get refused(): number {
    return this.refusals;
  }

  /**
   * Resolves with the slot's release once one is free; rejects with `GateRefusedError` when the queue is
   * full or the deadline passes first, and with `GateAbortedError` when the signal aborts first.
   */
  acquire({ signal, deadline }: AcquireOptions = {}): Promise<Release> {
    if (signal?.aborted) return Promise.reject(new GateAbortedError('aborted before admission'));
    if (this.holders < this.options.limit && this.waiters.size === 0) {
      this.holders++;
      return Promise.resolve(this.releaseOnce());
    }
    if (this.waiters.size >= this.options.maxQueued) return Promise.reject(this.refusal('queue_full'));
    const waitMs = (deadline ?? this.now() + this.options.maxQueueWaitMs) - this.now();
    if (waitMs <= 0) return Promise.reject(this.refusal('wait_timeout'));

    return new Promise<Release>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        grant: (release) => {
          leave();
          resolve(release);
        },
        refuse: (err) => {
          leave();
          reject(err);
        },
      };
      const onAbort = () => waiter.refuse(new GateAbortedError('aborted while queued'));
      // The refusal's estimate counts the waiter itself, so it is computed while it is still queued.
      const timer = setTimeout(() => waiter.refuse(this.refusal('wait_timeout')), waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /**
   * Seconds after which a refused client may find a slot: the queue ahead of it divided by the rate at which
   * slots were recently given back; the longest wait when nothing was given back lately. At least 1.
   */
  retryAfterSeconds(): number {
    const now = this.now();
    const recent = this.releases.filter((at) => now - at <= RATE_WINDOW_MS);
    const oldest = recent[0];
    const fallback = Math.ceil(this.options.maxQueueWaitMs / 1000);
    if (oldest === undefined || recent.length < 2) return clampSeconds(fallback);
    const perSecond = recent.length / (Math.max(now - oldest, 1) / 1000);
    return clampSeconds(Math.ceil((this.waiters.size + 1) / perSecond));
  }

  private refusal(reason: RefusalReason): GateRefusedError {
    this.refusals++;
    return new GateRefusedError(this.options.name, reason, this.retryAfterSeconds());
  }

  private releaseOnce(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.recordRelease();
      const next = this.waiters.values().next();
      // The slot passes to the oldest waiter without ever being free, so `holders` stays as it is.
      if (!next.done) next.value.grant(this.releaseOnce());
      else this.holders--;
    };
  }

  private recordRelease(): void {
    this.releases.push(this.now());
    if (this.releases.length > RATE_SAMPLES) this.releases.shift();
  }
}

function clampSeconds(seconds: number): number {
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
}
