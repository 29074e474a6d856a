/**
 * Contract of the circuit breakers shared by every worker, keyed by `provider:model`, and the settings that
 * say when a circuit opens and for how long. On the counters store (SQLite or Redis).
 */

/** When a circuit opens, and for how long. */
export interface CircuitSettings {
  /** Opens when at least `minRequests` calls in the window failed at this ratio or more. */
  failureRatio: number;
  minRequests: number;
  /** Opens after this many failures in a row, whatever the ratio. */
  consecutiveFailures: number;
  windowSeconds: number;
  /** How long an open circuit stays open before a probe is let through. */
  openSeconds: number;
  /** How long one probe has before another caller may probe instead (a probe whose worker died). */
  probeSeconds: number;
}

export type CircuitPhase = 'closed' | 'open' | 'half_open';

export interface CircuitRecord {
  phase: CircuitPhase;
  windowStart: number;
  requests: number;
  failures: number;
  consecutiveFailures: number;
  /** When an open circuit lets a probe through (epoch ms). */
  openUntil: number;
  /** Until when the current half-open probe holds its lease (epoch ms). */
  probeUntil: number;
  /** When the circuit last opened; 0 if never. */
  openedAt: number;
}

/** A circuit as the admin endpoint shows it. */
export interface CircuitSnapshot extends CircuitRecord {
  key: string;
}

/**
 * Circuit breakers shared by every worker, keyed by `provider:model`. Each operation is one atomic
 * read-modify-write of the circuit's record, so concurrent workers never both take the half-open probe.
 */
export interface CircuitStore {
  /** Whether a call to `key` may go ahead now; in half-open, true for exactly one caller (the probe). */
  admit(key: string, now: number): Promise<boolean>;
  /** Records a call's outcome. */
  record(key: string, ok: boolean, now: number): Promise<CircuitRecord>;
  /** True while the circuit is open and not yet due a probe; takes no lease. */
  isOpen(key: string, now: number): Promise<boolean>;
  list(): Promise<CircuitSnapshot[]>;
  /** Rejects when the store cannot be reached (for readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
