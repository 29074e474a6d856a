import { WorkflowFailedError } from '@temporalio/client';
import type { Logger } from 'pino';
import { FailureType } from '../contract/failure-types';
import { failureHttpOf } from '../contract/failure-http';
import { HttpError } from './http-error';
import { isWaitOver } from './temporal-errors';
import { jobFailureOf } from './tenant-failure';

/** The synchronous run a failure ended. */
export interface SyncRun {
  jobId: string;
  tenantId: string;
  syncTimeoutSeconds: number;
}

/**
 * What a synchronous endpoint answers when waiting for its job failed: a 504 when the job outlived the wait
 * (it goes on), the job's own failure as its HTTP status, or a 503 when the wait itself broke (the job goes on
 * then too). Both answers for a job that goes on tell SDKs not to retry: a retry would start, and pay for, a
 * second job.
 */
export function syncRunError(err: unknown, run: SyncRun, logger?: Pick<Logger, 'warn'>): HttpError {
  const { jobId, tenantId } = run;
  if (isWaitOver(err)) {
    return new HttpError(
      504,
      'job_timeout',
      `The job did not finish within ${run.syncTimeoutSeconds} s; it goes on as ${jobId} (GET /v1/jobs/${jobId}).`,
      // The job goes on and will be charged: an SDK retry would start (and pay for) a second one. The
      // official OpenAI and Anthropic SDKs obey this header.
      { details: { job_id: jobId }, headers: { 'x-should-retry': 'false' } },
    );
  }
  if (err instanceof WorkflowFailedError) {
    const failure = jobFailureOf(err);
    logger?.warn({ jobId, tenantId, failureType: failure.type, detail: failure.detail }, 'job failed');
    const mapped = failureHttpOf(failure.type);
    return new HttpError(mapped.status, mapped.code, failure.message, {
      details: { job_id: jobId, attempts: failure.attempts },
      // A provider outage (overloaded, circuit open) is a 503, and every 503 tells the client when to retry.
      headers:
        failure.type === FailureType.RateLimited
          ? { 'retry-after': '1' }
          : mapped.status === 503
            ? { 'retry-after': '5' }
            : {},
    });
  }
  logger?.warn({ err, jobId, tenantId }, 'waiting for a synchronous job failed; the job goes on');
  return new HttpError(
    503,
    'job_result_unavailable',
    `The job started as ${jobId} and goes on, but its result could not be awaited; read it with GET /v1/jobs/${jobId}.`,
    { details: { job_id: jobId }, headers: { 'x-should-retry': 'false', 'retry-after': '1' } },
  );
}
