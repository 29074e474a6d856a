/** Weight of the newest call in a provider's running latency. */
const SMOOTHING = 0.2;

export interface LocalCallPolicyOptions {
  /** A provider whose running latency is above this is called through its queue. */
  maxLatencyMs: number;
  /** Local calls one worker process runs at once; more go through the queue. */
  maxInFlight: number;
}

/**
 * Defaults: a call under ~2 s ends well before its workflow task needs extending (8 s); and a local call holds
 * one of the worker's workflow-task slots (40) while it runs, so at most 16 may, leaving the rest to other jobs.
 */
export const LOCAL_CALL_DEFAULTS: LocalCallPolicyOptions = { maxLatencyMs: 2_000, maxInFlight: 16 };

/**
 * Decides, call by call, whether a provider call runs as a local activity. A local call holds its job's workflow
 * task open, which Temporal extends every 8 s with another workflow task: cheaper than a queued call when the
 * provider answers in a second or two, dearer when it takes longer, and a burst of slow local calls would load
 * the server with extensions. So calls go local only while the provider's running latency (over local and
 * queued calls alike, in this process) is short and few local calls are already in flight.
 */
export class LocalCallPolicy {
  private readonly latencyMs = new Map<string, number>();
  private inFlight = 0;

  constructor(private readonly options: LocalCallPolicyOptions = LOCAL_CALL_DEFAULTS) {}

  /** Whether the next call of `providerId` should run locally. */
  choose(providerId: string): boolean {
    return (
      (this.latencyMs.get(providerId) ?? 0) <= this.options.maxLatencyMs && this.inFlight < this.options.maxInFlight
    );
  }

  /** Runs a local call, counted as in flight while it runs. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }

  /** Records how long a call of `providerId` took (answered or failed; not cancelled). */
  observe(providerId: string, latencyMs: number): void {
    const previous = this.latencyMs.get(providerId);
    this.latencyMs.set(providerId, previous === undefined ? latencyMs : previous + SMOOTHING * (latencyMs - previous));
  }
}
