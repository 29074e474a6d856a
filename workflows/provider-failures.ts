/** How workflows retry provider calls, and what a failed call says of itself. */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import { FailureType, KEY_POOL_BUSY, NON_RETRYABLE_FAILURE_TYPES, isFailureType } from '../src/contract/failure-types';

/**
 * Retries of one target. Non-retryable failure types move straight on; a 429's Retry-After overrides the backoff.
 *
 * QUOTA_EXHAUSTED is left to the activity: it is final only when every key of the provider's pool is out,
 * and while another key remains the activity raises it retryable so the retry uses that key. KEY_POOL_BUSY
 * is never retried here: the chain waits for it on a timer and calls afresh (see `KEY_POOL_WAIT`).
 */
export const PROVIDER_RETRY: RetryPolicy = {
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
export const KEY_POOL_WAIT = { maxWaits: 100, maxTotalMs: 30 * 60_000, minDelayMs: 100 } as const;

/** Heartbeats let a dead worker's call be retried elsewhere long before the start-to-close timeout. */
export const HEARTBEAT_TIMEOUT = '10s';

/**
 * What a failed call says of itself: a queued activity's failure wraps it in an `ActivityFailure`, while a
 * local activity's may arrive as the failure itself.
 */
export function causeOf(err: unknown): unknown {
  return err instanceof ActivityFailure ? err.cause : err;
}

export function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  const cause = causeOf(err);
  return cause instanceof ApplicationFailure ? cause : undefined;
}

export function failureTypeOf(err: unknown): FailureType {
  const type = applicationFailureOf(err)?.type;
  if (isFailureType(type)) return type;
  if ((causeOf(err) as Error | undefined)?.name === 'TimeoutFailure') return FailureType.Timeout;
  return FailureType.ServerError;
}

/** How long to wait before calling again, when `err` says the key pool was busy; null for any other failure. */
export function keyPoolWaitOf(err: unknown): number | null {
  const failure = applicationFailureOf(err);
  if (failure?.type !== KEY_POOL_BUSY) return null;
  const first = failure.details?.[0] as { retryAfterMs?: unknown } | undefined;
  const wait = typeof first?.retryAfterMs === 'number' ? first.retryAfterMs : 0;
  return Math.max(KEY_POOL_WAIT.minDelayMs, Math.ceil(wait));
}

export function attemptsOf(err: unknown): number {
  const first = applicationFailureOf(err)?.details?.[0] as { attempt?: unknown } | undefined;
  return typeof first?.attempt === 'number' ? first.attempt : 1;
}
