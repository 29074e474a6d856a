import type { AiJobResult, JobStatus } from '../../workflows/shared';

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
  /** Live progress while the job runs. */
  progress?: JobStatus;
  result?: AiJobResult;
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
 * has released what it holds; the reply carries no live progress, whose phase at that instant (the call being
 * aborted may already read as failed) would contradict it.
 */
export type CancellingView = Omit<JobView, 'status' | 'progress'> & { status: 'cancelling' };
