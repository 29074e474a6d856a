import { createHash } from 'node:crypto';
import { FAULT_KINDS, type FaultKind } from './behavior';
import { type Directives, requestsFault } from './directives';
import { type Random, seededRandom } from './prng';

/** What goes wrong with one request, if anything. */
export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'content-policy' }
  | { kind: 'quota' };

/** Enough distinct retried requests for any test run, while keeping memory bounded in long benchmarks. */
const MAX_REMEMBERED_REQUESTS = 10_000;

/** A `fail-times` directive on its own fails with this status, the most common retryable fault. */
const DEFAULT_FAIL_STATUS = 500;

function faultOf(kind: FaultKind): Fault {
  if (kind === 'hang') return { kind: 'hang' };
  if (kind === 'malformed') return { kind: 'malformed' };
  return { kind: 'status', status: Number(kind) };
}

/** The directive fault, in a fixed order of precedence when a request asks for several. */
function directiveFault(d: Directives): Fault {
  if (d.hang === true) return { kind: 'hang' };
  if (d.quota === true) return { kind: 'quota' };
  if (d.contentPolicy === true) return { kind: 'content-policy' };
  if (d.status !== undefined && d.status !== 200) return { kind: 'status', status: d.status };
  if (d.malformed === true) return { kind: 'malformed' };
  return { kind: 'status', status: DEFAULT_FAIL_STATUS };
}

/**
 * Decides each request's fault: directives first, then a random draw against the error rates.
 * Remembers how often identical requests carrying `fail-times` have failed.
 */
export class FaultPlanner {
  private random: Random;
  private readonly failures = new Map<string, number>();

  constructor(seed: number | undefined) {
    this.random = FaultPlanner.randomFor(seed);
  }

  private static randomFor(seed: number | undefined): Random {
    return seededRandom(seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** Restarts the random sequence, so a run with the same seed sees the same faults again. */
  reseed(seed: number | undefined): void {
    this.random = FaultPlanner.randomFor(seed);
  }

  /**
   * @param fingerprint identifies "the same request" for `fail-times`; called only when that directive is present,
   *   so ordinary requests are never hashed.
   */
  decide(
    directives: Directives,
    rates: Partial<Record<FaultKind, number>>,
    fingerprint: () => string,
  ): Fault | undefined {
    if (directives.failTimes !== undefined) {
      return this.countFailure(fingerprint()) <= directives.failTimes ? directiveFault(directives) : undefined;
    }
    if (requestsFault(directives)) return directiveFault(directives);
    return this.draw(rates);
  }

  /**
   * Counts one more try of a request whose only fault is mid-stream, and says whether it is still among the first
   * `failTimes` (which then break their stream; the later ones stream whole).
   */
  streamFaultDue(failTimes: number, fingerprint: () => string): boolean {
    return this.countFailure(fingerprint()) <= failTimes;
  }

  private countFailure(key: string): number {
    const count = (this.failures.get(key) ?? 0) + 1;
    this.failures.delete(key);
    if (this.failures.size >= MAX_REMEMBERED_REQUESTS) {
      const oldest = this.failures.keys().next();
      if (oldest.done !== true) this.failures.delete(oldest.value);
    }
    // Re-inserted so that eviction drops the least recently seen request, not one still being retried.
    this.failures.set(key, count);
    return count;
  }

  /** One uniform draw per request, walked through the kinds in a fixed order so a seed replays exactly. */
  private draw(rates: Partial<Record<FaultKind, number>>): Fault | undefined {
    let remaining = this.random();
    for (const kind of FAULT_KINDS) {
      const rate = rates[kind];
      if (rate === undefined || rate === 0) continue;
      if (remaining < rate) return faultOf(kind);
      remaining -= rate;
    }
    return undefined;
  }
}

/** Fingerprint of an endpoint plus raw body; SHA-256 so that unrelated retried requests never share a count. */
export function requestFingerprint(endpoint: string, rawBody: string): string {
  return `${endpoint}:${createHash('sha256').update(rawBody).digest('base64')}`;
}
