import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import type { ChatRequest } from '../contract/chat';
import type { AiJobWorkflow } from '../contract/job';
import { HttpError } from './http-error';
import { requestHash } from './job-ids';
import { jobStateOf, type JobState } from './job-view';

/** A submission's job: the one it started, or the one its Idempotency-Key found. */
export interface SubmittedJob {
  jobId: string;
  /** True when an Idempotency-Key matched a job submitted before: nothing new was started. */
  existing: boolean;
  /** The job's state when it was found: `running` for a new job, the earlier job's own state when `existing`. */
  status: JobState;
  handle: WorkflowHandle<AiJobWorkflow>;
}

/** What tells a retried submission from a different one under the same Idempotency-Key. */
export function submissionHash(input: { request: ChatRequest; metadata?: Record<string, string> }): string {
  return requestHash({ request: input.request, metadata: input.metadata ?? {} });
}

/**
 * The job an earlier submission started, when it asked the same as this one (`hash`); a 409 when it asked
 * something else, or when `hash` is null (no Idempotency-Key binds this submission to that job).
 */
export function existingJob(
  jobId: string,
  handle: WorkflowHandle<AiJobWorkflow>,
  description: WorkflowExecutionDescription,
  hash: string | null,
): SubmittedJob {
  if (hash === null || description.memo?.requestHash !== hash) {
    throw new HttpError(
      409,
      'idempotency_key_reused',
      'This Idempotency-Key was already used for a different request; use a new key for a new request.',
      { details: { job_id: jobId } },
    );
  }
  return { jobId, existing: true, handle, status: jobStateOf(description.status.name) };
}

export function jobNotFound(jobId: string): HttpError {
  return new HttpError(404, 'job_not_found', `No job ${jobId}.`);
}
