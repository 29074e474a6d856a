import type { Counter, Registry } from 'prom-client';
import type { AdmissionConfig } from '../config';
import { AdmissionGate, GateAbortedError, GateRefusedError, type Release } from './admission-gate';
import { registerAdmissionMetrics } from './admission-metrics';
import { HttpError } from './http-error';

export type { Release };

/** What a request brings to admission. */
export interface AdmissionTicket {
  /** Aborts when the client disconnects: a queued request then leaves the queue and starts nothing. */
  signal?: AbortSignal;
  /**
   * Spends what a new job costs the tenant (its rate limit), once the request holds its slot: a request
   * that is refused has spent nothing.
   */
  beforeStart?: () => Promise<void>;
}

/** The status a request gets when its client left while it waited; nobody reads it. */
const CLIENT_CLOSED = 499;

/**
 * The API's admission control: beyond the capacity Temporal and the workers sustain, extra requests wait
 * briefly in FIFO order or are refused with 503 `overloaded` and a Retry-After, instead of every request
 * slowing down. `starts` bounds workflow-start calls in flight; `sync` bounds synchronous jobs from
 * admission to their result.
 */
export class Admission {
  readonly starts: AdmissionGate;
  readonly sync: AdmissionGate;
  private readonly refused: Counter<'gate' | 'reason'> | undefined;

  constructor(
    private readonly config: AdmissionConfig,
    registry?: Registry,
  ) {
    const queue = { maxQueued: config.maxQueued, maxQueueWaitMs: config.maxQueueWaitMs };
    this.starts = new AdmissionGate({ name: 'starts', limit: config.maxConcurrentStarts, ...queue });
    this.sync = new AdmissionGate({ name: 'sync', limit: config.maxSyncJobs, ...queue });
    this.refused = registry ? registerAdmissionMetrics(registry, [this.starts, this.sync]) : undefined;
  }

  /** The epoch ms by which a request arriving now must hold every slot it needs. */
  deadline(): number {
    return Date.now() + this.config.maxQueueWaitMs;
  }

  /**
   * A slot of `gate`, or the HTTP error to answer instead: 503 `overloaded` with Retry-After when the gate
   * refuses, 499 when the client left while queued. A slot granted to a client that has just left is given
   * back at once, so that nothing is started for nobody.
   */
  async enter(gate: AdmissionGate, deadline: number, signal?: AbortSignal): Promise<Release> {
    let release: Release;
    try {
      release = await gate.acquire({ deadline, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (err instanceof GateRefusedError) this.refused?.inc({ gate: err.gate, reason: err.reason });
      throw toHttpError(err);
    }
    if (signal?.aborted) {
      release();
      throw clientClosed();
    }
    return release;
  }
}

function toHttpError(err: unknown): unknown {
  if (err instanceof GateAbortedError) return clientClosed();
  if (!(err instanceof GateRefusedError)) return err;
  const seconds = err.retryAfterSeconds;
  const what = err.gate === 'sync' ? 'synchronous jobs' : 'job starts';
  return new HttpError(503, 'overloaded', `Switchyard is at capacity for ${what}; retry in ${seconds} s.`, {
    headers: { 'retry-after': String(seconds) },
    details: { retry_after_seconds: seconds },
  });
}

function clientClosed(): HttpError {
  return new HttpError(CLIENT_CLOSED, 'client_closed_request', 'The client closed the request while it waited.');
}
