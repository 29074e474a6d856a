import { MockBatches } from './batch-state';
import { DEFAULT_BEHAVIOR, type MockBehavior, validateBehaviorPatch } from './behavior';
import { type MockCallLog } from './call-log';
import { FaultPlanner } from './faults';
import { KeyRateLimiter } from './rate-limiter';
import { StatsRecorder } from './stats';

/** Everything one running mock remembers; one instance per server, so several mocks can run side by side. */
export class MockState {
  readonly stats = new StatsRecorder();
  readonly limiter = new KeyRateLimiter();
  readonly batches = new MockBatches();
  readonly faults: FaultPlanner;
  private current: MockBehavior;
  private sequence = 0;

  /** @throws MockBehaviorError when `initial` has an unusable setting. */
  constructor(initial: Partial<MockBehavior>) {
    this.current = { ...DEFAULT_BEHAVIOR, ...validateBehaviorPatch(initial) };
    this.faults = new FaultPlanner(this.current.seed);
  }

  get behavior(): Readonly<MockBehavior> {
    return this.current;
  }

  /**
   * Applies a validated partial behavior. A new seed restarts the fault sequence; a new per-key limit
   * starts every key's window afresh, since counts made under the old limit no longer mean anything.
   * @throws MockBehaviorError when a setting is unusable; nothing is changed then.
   */
  update(input: unknown): Readonly<MockBehavior> {
    const patch = validateBehaviorPatch(input);
    const previousLimit = this.current.keyRateLimitPerMinute;
    this.current = { ...this.current, ...patch };
    if ('seed' in patch) this.faults.reseed(patch.seed);
    if (this.current.keyRateLimitPerMinute !== previousLimit) this.limiter.clear();
    return this.current;
  }

  nextSequence(): number {
    return ++this.sequence;
  }

  /** The call log, with every batch item that has come due by now answered first. */
  calls(): MockCallLog {
    this.batches.settleAll(this, Date.now());
    return this.stats.calls();
  }

  /** Clears the stats, the call log and the batch APIs' files and batches. */
  reset(): void {
    this.stats.reset();
    this.batches.clear();
  }
}
