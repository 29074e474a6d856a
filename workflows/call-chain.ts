import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { Activities } from './activity-types';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES, isFailureType } from './failure-types';
import type { AttemptRecord, JobTarget, ProviderCallResult } from './shared';
import type { ChatRequest } from './chat-types';

/** Retries of one target. Non-retryable failure types move straight on; a 429's Retry-After overrides the backoff. */
const PROVIDER_RETRY: RetryPolicy = {
  initialInterval: '500ms',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 4,
  nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES],
};

/** Heartbeats let a dead worker's call be retried elsewhere long before the start-to-close timeout. */
const HEARTBEAT_TIMEOUT = '10s';

function providerActivities(target: JobTarget): Activities {
  return proxyActivities<Activities>({
    taskQueue: target.taskQueue,
    // The adapter enforces the target's timeout itself; the margin keeps Temporal's from firing first.
    startToCloseTimeout: target.timeoutMs + 5_000,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: PROVIDER_RETRY,
  });
}

function failureTypeOf(err: unknown): FailureType {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && isFailureType(err.cause.type)) {
    return err.cause.type;
  }
  if (err instanceof ActivityFailure && err.cause?.name === 'TimeoutFailure') return FailureType.Timeout;
  return FailureType.ServerError;
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
): Promise<ChainSuccess> {
  const attempts: AttemptRecord[] = [];
  let lastFailure: { type: FailureType; message: string } | null = null;
  for (const target of targets) {
    onTarget(target);
    try {
      const call = await providerActivities(target).callProvider({
        jobId,
        providerId: target.providerId,
        providerType: target.providerType,
        model: target.model,
        keyAlias: target.keyAlias,
        request,
      });
      attempts.push({ providerId: target.providerId, model: target.model, outcome: 'ok', attempts: call.attempt });
      return { call, target, attempts };
    } catch (err) {
      if (isCancellation(err)) throw err;
      const type = failureTypeOf(err);
      const message = (err instanceof ActivityFailure && err.cause?.message) || (err as Error).message;
      attempts.push({
        providerId: target.providerId,
        model: target.model,
        outcome: type,
        attempts: attemptsOf(err),
        message,
      });
      lastFailure = { type, message };
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
