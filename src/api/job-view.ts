import type { BatchJobResult, BatchJobStatus } from '../contract/batch-job';
import type { EmbeddingBatchStatus } from '../contract/embedding-batch';
import type { AiJobResult, JobStatus } from '../contract/job';
import type { EmbeddingsJobResult } from './embedding-job-view';

export type JobState = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

/** A job as the REST API shows it. */
export interface JobView {
  id: string;
  object: 'job';
  status: JobState;
  model: string | null;
  created_at: string;
  completed_at: string | null;
  metadata: Record<string, string>;
  /** The job this one replays (`POST /v1/jobs/:id/replay`), from its `SwitchyardReplayOf` search attribute. */
  replay_of?: string;
  /**
   * Live progress while the job runs: a chat job's phase and attempts, an embeddings job's counts of texts, a
   * batch job's counts of requests and its provider's state.
   */
  progress?: JobStatus | EmbeddingBatchStatus | BatchJobStatus;
  /** A chat job's answer, an embeddings job's vectors, or a batch job's counts, cost and output files. */
  result?: AiJobResult | EmbeddingsJobResult | BatchJobResult;
  error?: { code: string; type: string; message: string; attempts?: unknown };
}

const STATES: Record<string, JobState> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  CONTINUED_AS_NEW: 'running',
};

/** Maps Temporal's execution status name to the job state. */
export function jobStateOf(temporalStatus: string): JobState {
  return STATES[temporalStatus] ?? 'running';
}

/**
 * The answer to a cancel request. Cancellation is asynchronous, so the job is `cancelling` until its workflow
 * has released what it holds; the reply carries no live progress, whose phase at that instant (the workflow
 * may not have seen the cancellation yet) would contradict it.
 */
export type CancellingView = Omit<JobView, 'status' | 'progress'> & { status: 'cancelling' };

/** What a job that ended without an answer or a failure of its own shows as its error. */
export const CLOSED_JOB_ERRORS: Record<'cancelled' | 'terminated' | 'timed_out', NonNullable<JobView['error']>> = {
  cancelled: { code: 'job_cancelled', type: 'CANCELLED', message: 'The job was cancelled.' },
  terminated: { code: 'job_terminated', type: 'TERMINATED', message: 'The job was terminated by an operator.' },
  timed_out: { code: 'job_timed_out', type: 'TIMED_OUT', message: 'The job exceeded its time limit.' },
};

/** True for a memo entry that is what the API stores there: a record of strings. */
export function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}
