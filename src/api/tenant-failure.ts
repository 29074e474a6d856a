import type { AiJobResult, AttemptRecord, JobStatus } from '../contract/job';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { tenantFailureMessage } from '../contract/failure-http';

/**
 * Attempts as a tenant sees them: each failed attempt's message is the fixed text of its failure type
 * (the provider's own text stays in the workflow history and the logs). `value` is read from a failure's
 * details, so anything that is not a list of attempts is left out.
 */
export function tenantAttempts(value: unknown): AttemptRecord[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter(isAttempt)
    .map((attempt) =>
      attempt.message === undefined
        ? attempt
        : { ...attempt, message: tenantFailureMessage(attempt.outcome, attempt.message) },
    );
}

/** A completed job's result as a tenant sees it: failed attempts and the degradation cause in fixed text. */
export function tenantResult(result: AiJobResult): AiJobResult {
  const { degradation } = result;
  return {
    ...result,
    attempts: tenantAttempts(result.attempts) ?? [],
    ...(degradation
      ? {
          degradation: {
            ...degradation,
            failureMessage: tenantFailureMessage(degradation.failureType, degradation.failureMessage),
          },
        }
      : {}),
  };
}

/** A running job's progress as a tenant sees it. */
export function tenantProgress(progress: JobStatus): JobStatus {
  return { ...progress, attempts: tenantAttempts(progress.attempts) ?? [] };
}

function isAttempt(value: unknown): value is AttemptRecord {
  if (typeof value !== 'object' || value === null) return false;
  const { outcome, message } = value as Partial<Record<keyof AttemptRecord, unknown>>;
  return typeof outcome === 'string' && (message === undefined || typeof message === 'string');
}

/**
 * A job's failure: `message` and `attempts` as the tenant sees them (provider text replaced by the fixed
 * text of its type), `detail` the original text with every attempt, for the logs only.
 */
export function jobFailureOf(err: unknown): { type: string; message: string; attempts?: unknown; detail: unknown } {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const type = cause.type ?? 'UNKNOWN';
    return {
      type,
      message: tenantFailureMessage(type, cause.message),
      attempts: tenantAttempts(cause.details?.[0]),
      detail: { message: cause.message, attempts: cause.details?.[0] },
    };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { type: 'UNKNOWN', message: tenantFailureMessage('UNKNOWN', message), detail: { message } };
}
