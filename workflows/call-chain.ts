import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  patched,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { ProviderActivities } from '../src/contract/activities';
import { storeSteps } from './local-activities';
import { FailureType, KEY_POOL_BUSY, NON_RETRYABLE_FAILURE_TYPES, isFailureType } from '../src/contract/failure-types';
import { Patch } from './patches';
import type { AttemptRecord, JobTarget, RequestRef } from '../src/contract/job';
import type { ProviderCallResult } from '../src/contract/provider-call';
import type { ChatRequest } from '../src/contract/chat';

/**
 * Retries of one target. Non-retryable failure types move straight on; a 429's Retry-After overrides the backoff.
 *
 * QUOTA_EXHAUSTED is left to the activity: it is final only when every key of the provider's pool is out,
 * and while another key remains the activity raises it retryable so the retry uses that key. KEY_POOL_BUSY
 * is never retried here: the chain waits for it on a timer and calls afresh (see `KEY_POOL_WAIT`).
 */
const PROVIDER_RETRY: RetryPolicy = {
  initialInterval: '500ms',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 4,
  nonRetryableErrorTypes: [
    ...NON_RETRYABLE_FAILURE_TYPES.filter((type) => type !== FailureType.QuotaExhausted),
    KEY_POOL_BUSY,
  ],
};

/**
 * Waiting for a provider's key pool to free up (KEY_POOL_BUSY: no call was made). Each wait is a durable
 * timer followed by a fresh activity with all of PROVIDER_RETRY's attempts, so Switchyard's own throttling
 * never uses up the attempts meant for provider failures. Bounded, so that a pool whose limits are far
 * below the traffic ends the target as RATE_LIMITED and the chain moves on.
 */
const KEY_POOL_WAIT = { maxWaits: 100, maxTotalMs: 30 * 60_000, minDelayMs: 100 } as const;

/** Heartbeats let a dead worker's call be retried elsewhere long before the start-to-close timeout. */
const HEARTBEAT_TIMEOUT = '10s';

/**
 * History events past which a workflow stops waiting for a busy key pool (Temporal warns at 10,240 events and
 * terminates at 51,200): the target then ends as rate limited and the chain moves on.
 */
const MAX_HISTORY_EVENTS_FOR_WAITS = 8_000;

function providerActivities(target: JobTarget): ProviderActivities {
  return proxyActivities<ProviderActivities>({
    taskQueue: target.taskQueue,
    // A cancelled call may still have been answered (and paid) before the abort reached it: waiting for the
    // activity's own outcome lets the workflow charge such an answer instead of dropping it.
    ...(patched(Patch.WaitForCancelledCalls)
      ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED }
      : {}),
    // The adapter enforces the target's timeout itself; the margin keeps Temporal's from firing first.
    startToCloseTimeout: target.timeoutMs + 5_000,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { ...PROVIDER_RETRY, maximumAttempts: target.maxAttempts },
  });
}

function failureTypeOf(err: unknown): FailureType {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && isFailureType(err.cause.type)) {
    return err.cause.type;
  }
  if (err instanceof ActivityFailure && err.cause?.name === 'TimeoutFailure') return FailureType.Timeout;
  return FailureType.ServerError;
}

/** How long to wait before calling again, when `err` says the key pool was busy; null for any other failure. */
function keyPoolWaitOf(err: unknown): number | null {
  if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)) return null;
  if (err.cause.type !== KEY_POOL_BUSY) return null;
  const first = err.cause.details?.[0] as { retryAfterMs?: unknown } | undefined;
  const wait = typeof first?.retryAfterMs === 'number' ? first.retryAfterMs : 0;
  return Math.max(KEY_POOL_WAIT.minDelayMs, Math.ceil(wait));
}

function attemptsOf(err: unknown): number {
  const details = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.details : [];
  const first = details?.[0] as { attempt?: unknown } | undefined;
  return typeof first?.attempt === 'number' ? first.attempt : 1;
}

export interface ChainSuccess {
  call: ProviderCallResult;
  target: JobTarget;
  attempts: AttemptRecord[];
}

/**
 * Calls the targets in order on their providers' task queues, letting Temporal retry transient
 * failures, and moves on when a target fails for good. Throws a non-retryable `ApplicationFailure`
 * of the last failure's type, with every attempt in its details, when all targets failed.
 */
export async function callChain(
  jobId: string,
  request: ChatRequest,
  targets: JobTarget[],
  onTarget: (target: JobTarget) => void = () => undefined,
  requestRef?: RequestRef,
): Promise<ChainSuccess> {
  const attempts: AttemptRecord[] = [];
  let lastFailure: { type: FailureType; message: string } | null = null;
  for (const target of targets) {
    // An open circuit is skipped without spending the target's attempts or touching the provider.
    if (!(await storeSteps.admitCircuit({ providerId: target.providerId, model: target.model }))) {
      const message = `The circuit of ${target.providerId}:${target.model} is open: skipped`;
      attempts.push({
        providerId: target.providerId,
        model: target.model,
        outcome: FailureType.CircuitOpen,
        attempts: 0,
        message,
      });
      lastFailure = { type: FailureType.CircuitOpen, message };
      continue;
    }
    onTarget(target);
    // Activity attempts on this target, over every fresh call after a wait for the key pool.
    let targetAttempts = 0;
    let waitedMs = 0;
    for (let waits = 0; ; waits++) {
      let failure: unknown;
      try {
        const call = await providerActivities(target).callProvider({
          jobId,
          providerId: target.providerId,
          model: target.model,
          request,
          ...(requestRef ? { requestRef } : {}),
          timeoutMs: target.timeoutMs,
        });
        const total = targetAttempts + call.attempt;
        attempts.push({ providerId: target.providerId, model: target.model, outcome: 'ok', attempts: total });
        return { call, target, attempts };
      } catch (err) {
        if (isCancellation(err)) throw err;
        failure = err;
      }
      targetAttempts += attemptsOf(failure);
      const wait = keyPoolWaitOf(failure);
      if (
        wait !== null &&
        waits < KEY_POOL_WAIT.maxWaits &&
        waitedMs + wait <= KEY_POOL_WAIT.maxTotalMs &&
        workflowInfo().historyLength < MAX_HISTORY_EVENTS_FOR_WAITS
      ) {
        waitedMs += wait;
        await sleep(wait);
        continue;
      }
      // A pool still busy after the longest wait is reported as what it is to the caller: rate limited.
      const type = wait === null ? failureTypeOf(failure) : FailureType.RateLimited;
      const message = (failure instanceof ActivityFailure && failure.cause?.message) || (failure as Error).message;
      attempts.push({
        providerId: target.providerId,
        model: target.model,
        outcome: type,
        attempts: targetAttempts,
        message,
      });
      lastFailure = { type, message };
      break;
    }
  }
  throw ApplicationFailure.create({
    type: lastFailure?.type ?? FailureType.NotConfigured,
    message: lastFailure
      ? `All ${targets.length} target(s) failed; last: ${lastFailure.message}`
      : 'The job has no targets to call',
    nonRetryable: true,
    details: [attempts],
  });
}
