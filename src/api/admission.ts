import type { Counter, Registry } from 'prom-client';
import type { AdmissionConfig } from '../config';
import { ActiveJobHold } from './active-job-hold';
import { AdmissionGate, GateAbortedError, GateRefusedError, type Release } from './admission-gate';
import { registerAdmissionMetrics } from './admission-metrics';
import { HttpError } from './http-error';

export type { Release };

/**
 * Ends a synchronous job's active slot; with the provider call's ms when the job answered, so that its
 * Temporal time teaches the hold. Calling it again does nothing.
 */
export type EndActive = (providerLatencyMs?: number) => void;

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
 * admission to their result; `active` bounds the synchronous jobs that keep the Temporal server and the
 * workers busy, as opposed to waiting on a provider (see {@link ActiveJobHold}).
 */
export class Admission {
  readonly starts: AdmissionGate;
  readonly sync: AdmissionGate;
  readonly active: AdmissionGate;
  private readonly hold = new ActiveJobHold();
  private readonly refused: Counter<'gate' | 'reason'> | undefined;

  constructor(
    private readonly config: AdmissionConfig,
    registry?: Registry,
  ) {
    const queue = { maxQueued: config.maxQueued, maxQueueWaitMs: config.maxQueueWaitMs };
    this.starts = new AdmissionGate({ name: 'starts', limit: config.maxConcurrentStarts, ...queue });
    this.sync = new AdmissionGate({ name: 'sync', limit: config.maxSyncJobs, ...queue });
    this.active = new AdmissionGate({ name: 'active', limit: config.maxActiveJobs, ...queue });
    this.refused = registry ? registerAdmissionMetrics(registry, [this.starts, this.sync, this.active]) : undefined;
  }

  /** The ms a synchronous job admitted now counts as active, unless it ends sooner. */
  activeHoldMs(): number {
    return this.hold.holdMs();
  }

  /**
   * A synchronous job's sync slot, then its active slot (see {@link enterActive}); the returned function gives
   * both back.
   */
  async enterSyncJob(deadline: number, signal?: AbortSignal): Promise<EndActive> {
    const release = await this.enter(this.sync, deadline, signal);
    let endActive: EndActive;
    try {
      endActive = await this.enterActive(deadline, signal);
    } catch (err) {
      release();
      throw err;
    }
    return (providerLatencyMs) => {
      endActive(providerLatencyMs);
      release();
    };
  }

  /**
   * An active slot for a synchronous job, or the HTTP error to answer instead (as {@link enter}). The slot is
   * given back when the job ends or once it has run for the hold, when it is taken to wait on its provider,
   * whichever comes first.
   */
  async enterActive(deadline: number, signal?: AbortSignal): Promise<EndActive> {
    const release = await this.enter(this.active, deadline, signal);
    const admittedAt = performance.now();
    const timer = setTimeout(release, this.hold.holdMs());
    let ended = false;
    return (providerLatencyMs) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      release();
      if (providerLatencyMs !== undefined) this.hold.record(performance.now() - admittedAt, providerLatencyMs);
    };
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

/** What each gate admits, in the words of a refusal. */
const GATE_WORDS: Readonly<Record<string, string>> = { sync: 'synchronous jobs', active: 'jobs in progress' };

function toHttpError(err: unknown): unknown {
  if (err instanceof GateAbortedError) return clientClosed();
  if (!(err instanceof GateRefusedError)) return err;
  const seconds = err.retryAfterSeconds;
  const what = GATE_WORDS[err.gate] ?? 'job starts';
  return new HttpError(503, 'overloaded', `Switchyard is at capacity for ${what}; retry in ${seconds} s.`, {
    headers: { 'retry-after': String(seconds) },
    details: { retry_after_seconds: seconds },
  });
}

function clientClosed(): HttpError {
  return new HttpError(CLIENT_CLOSED, 'client_closed_request', 'The client closed the request while it waited.');
}
