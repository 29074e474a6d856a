/** Jobs remembered; enough for a stable p90, few enough to follow a change of load within seconds. */
const SAMPLES = 200;
/** Below this many samples the hold is {@link ActiveHoldOptions.initialMs}. */
const MIN_SAMPLES = 20;
/** The p90 is recomputed after this many new samples, not on every job. */
const RECOMPUTE_EVERY = 16;

export interface ActiveHoldOptions {
  /** The hold before any job has been measured. */
  initialMs: number;
  minMs: number;
  maxMs: number;
  /** The hold is this many times the p90 of the Temporal time of recent jobs. */
  factor: number;
}

/** Defaults: a job that has spent twice as long as nine jobs in ten spend in Temporal is waiting on its provider. */
export const ACTIVE_HOLD_DEFAULTS: ActiveHoldOptions = { initialMs: 1_000, minMs: 100, maxMs: 10_000, factor: 2 };

/**
 * How long a synchronous job counts as active in Temporal: the time its workflow costs the Temporal server and
 * the workers, as opposed to the time it waits on its provider, which costs them nothing. The API cannot see
 * when a job's provider call starts, so it learns from finished jobs how long their Temporal part took (their
 * latency less the provider call's) and takes a job still running after {@link holdMs} to be waiting on its
 * provider. While Temporal keeps up the hold is short; when it falls behind, the Temporal part grows, and so does
 * the hold, which admits fewer jobs: the limit follows what the server really finishes.
 */
export class ActiveJobHold {
  private readonly samples: number[] = [];
  private next = 0;
  private sinceRecompute = 0;
  private current: number;

  constructor(private readonly options: ActiveHoldOptions = ACTIVE_HOLD_DEFAULTS) {
    this.current = options.initialMs;
  }

  /** The ms a job admitted now holds its active slot, unless it ends sooner. */
  holdMs(): number {
    return this.current;
  }

  /** Records a finished job: `elapsedMs` from admission to its result, `providerMs` spent in its provider call. */
  record(elapsedMs: number, providerMs: number): void {
    const temporalMs = Math.max(0, elapsedMs - Math.max(0, providerMs));
    if (!Number.isFinite(temporalMs)) return;
    if (this.samples.length < SAMPLES) this.samples.push(temporalMs);
    else this.samples[this.next] = temporalMs;
    this.next = (this.next + 1) % SAMPLES;
    this.sinceRecompute++;
    if (this.samples.length >= MIN_SAMPLES && this.sinceRecompute >= RECOMPUTE_EVERY) this.recompute();
  }

  private recompute(): void {
    this.sinceRecompute = 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const p90 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)] ?? this.options.initialMs;
    const { minMs, maxMs, factor } = this.options;
    this.current = Math.round(Math.min(maxMs, Math.max(minMs, p90 * factor)));
  }
}
