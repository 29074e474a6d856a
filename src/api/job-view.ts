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
