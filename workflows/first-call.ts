import { ActivityCancellationType, proxyLocalActivities } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { FirstCallFailure, FirstCallSteps } from '../src/contract/activities';
import { FailureType, KEY_POOL_BUSY, isFailureType } from '../src/contract/failure-types';
import type { JobTarget } from '../src/contract/job';
import type { ProviderCallResult } from '../src/contract/provider-call';
import { STORE_STEP_RETRY } from './local-activities';
import { PROVIDER_RETRY } from './provider-failures';

/** The first target's first call, made by the step that reserved the job's budget (see `reserveAndCall`). */
export type FirstCall = { result: ProviderCallResult } | { failure: FirstCallFailure };

/**
 * The step that reserves, admits and calls. It retries as a store step: a failed call is reported, not thrown,
 * so only the stores' failures are retried here; `cancellationType` is a local call's, so a call the provider
 * answered while the job was being cancelled is still reported (and charged).
 */
export function firstCallSteps(target: JobTarget): FirstCallSteps {
  return proxyLocalActivities<FirstCallSteps>({
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // The call's own bound, with room for the store steps around it.
    startToCloseTimeout: target.timeoutMs + 15_000,
    retry: STORE_STEP_RETRY,
  });
}

/**
 * What a failed first call leaves of its target: the attempts it used, its failure when no retry is left, and
 * otherwise how long to wait before the next attempt (what Temporal's retry of the call would have waited).
 */
export function afterFailedFirstCall(
  failure: FirstCallFailure,
  target: JobTarget,
): { used: number; final: { type: FailureType; message: string } | null; retryAfter: Duration } {
  // No key was free, so no call was made: the chain waits for the pool as it would after its own call.
  if (failure.type === KEY_POOL_BUSY) return { used: 0, final: null, retryAfter: 0 };
  const type = isFailureType(failure.type) ? failure.type : FailureType.ServerError;
  const retryable = !failure.nonRetryable && !(PROVIDER_RETRY.nonRetryableErrorTypes ?? []).includes(type);
  return {
    used: 1,
    final: retryable && target.maxAttempts > 1 ? null : { type, message: failure.message },
    retryAfter: failure.retryDelayMs ?? PROVIDER_RETRY.initialInterval ?? 0,
  };
}
