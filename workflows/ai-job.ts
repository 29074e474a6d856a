import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { createActivities } from '../activities';
import { costOf } from './cost';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES, isFailureType } from './failure-types';
import * as attributes from './search-attributes';
import {
  statusQuery,
  type AiJobInput,
  type AiJobResult,
  type AttemptRecord,
  type JobStatus,
  type JobTarget,
} from './shared';

type Activities = ReturnType<typeof createActivities>;

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

/**
 * The job workflow: calls the targets of the job's chain in order on their providers' task queues,
 * letting Temporal retry transient failures, and moves on when a target fails for good.
 * The job id is the workflow id.
 */
export async function aiJob(input: AiJobInput): Promise<AiJobResult> {
  const status: JobStatus = { phase: 'queued', attempts: [] };
  setHandler(statusQuery, () => status);

  let lastFailure: { type: FailureType; message: string } | null = null;
  try {
    for (const target of input.targets) {
      status.phase = 'calling_provider';
      status.providerId = target.providerId;
      status.model = target.model;
      try {
        const call = await providerActivities(target).callProvider({
          jobId: input.jobId,
          providerId: target.providerId,
          providerType: target.providerType,
          model: target.model,
          keyAlias: target.keyAlias,
          request: input.request,
        });
        status.attempts.push({
          providerId: target.providerId,
          model: target.model,
          outcome: 'ok',
          attempts: call.attempt,
        });
        status.phase = 'completed';
        const usage = call.completion.usage;
        const result: AiJobResult = {
          jobId: input.jobId,
          completion: call.completion,
          providerId: target.providerId,
          model: target.model,
          usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens },
          costUsd: costOf(usage, target.price),
          latencyMs: Math.max(0, Date.now() - Date.parse(input.acceptedAt)),
          providerLatencyMs: call.latencyMs,
          attempts: status.attempts,
          cacheHit: false,
          degraded: false,
        };
        recordOutcome('completed', target.providerId, result.costUsd);
        return result;
      } catch (err) {
        if (isCancellation(err)) throw err;
        const type = failureTypeOf(err);
        const message = (err instanceof ActivityFailure && err.cause?.message) || (err as Error).message;
        const attempt: AttemptRecord = {
          providerId: target.providerId,
          model: target.model,
          outcome: type,
          attempts: attemptsOf(err),
          message,
        };
        status.attempts.push(attempt);
        lastFailure = { type, message };
      }
    }
  } catch (err) {
    if (isCancellation(err)) recordOutcome('cancelled', status.providerId, null);
    throw err;
  }

  status.phase = 'failed';
  recordOutcome('failed', status.providerId, null);
  throw ApplicationFailure.create({
    type: lastFailure?.type ?? FailureType.NotConfigured,
    message: lastFailure
      ? `All ${input.targets.length} target(s) failed; last: ${lastFailure.message}`
      : 'The job has no targets to call',
    nonRetryable: true,
    details: [status.attempts],
  });
}

function recordOutcome(
  outcome: 'completed' | 'failed' | 'cancelled',
  providerId: string | undefined,
  cost: number | null,
) {
  upsertSearchAttributes([
    { key: attributes.STATUS, value: outcome },
    ...(providerId ? [{ key: attributes.PROVIDER, value: providerId }] : []),
    ...(cost !== null ? [{ key: attributes.COST_USD, value: cost }] : []),
    { key: attributes.CACHE_HIT, value: false },
    { key: attributes.DEGRADED, value: false },
  ]);
}
