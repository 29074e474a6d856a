/**
 * The bulk replay workflow's contract: what the API starts it with, what it answers, and the activities it runs.
 * Plain data and names only, so the API, the activities and the workflow share it.
 */

/** Workflow type of a bulk replay; the API starts it by this name. */
export const BULK_REPLAY_WORKFLOW = 'bulkReplay';

/** Bulk replay ids start with this; every other job id starts with `job_`. */
export const BULK_REPLAY_ID_PREFIX = 'bulk_';

/** The job states a list or a bulk replay filters by. */
export type JobFilterStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** Which jobs a list or a bulk replay selects; every field narrows the selection. */
export interface JobFilter {
  status?: JobFilterStatus[];
  model?: string;
  provider?: string;
  failure_type?: string;
  /** ISO 8601. */
  created_after?: string;
  /** ISO 8601. */
  created_before?: string;
  replay_of?: string;
  degraded?: boolean;
}

/** What the replays ask for instead of what their originals asked. */
export interface ReplayOverrides {
  /** A configured model or route. */
  model?: string;
}

/** One job a bulk replay replays, with the tenant it runs as. */
export interface ReplayTarget {
  jobId: string;
  tenantId: string;
}

/** What a bulk replay did with each job it matched. */
export interface BulkReplayReport {
  replayed: Array<{ job_id: string; replay_id: string }>;
  skipped: Array<{ job_id: string; reason: string }>;
  failed: Array<{ job_id: string; error: string }>;
}

/** Counts of a running bulk replay, answered by its `status` query. */
export interface BulkReplayProgress {
  matched: number;
  replayed: number;
  skipped: number;
  failed: number;
}

/** Where a bulk replay carries on after a continue-as-new: the jobs still to replay and the report so far. */
export interface BulkReplayCarried {
  pending: ReplayTarget[];
  matched: number;
  report: BulkReplayReport;
}

export interface BulkReplayInput {
  bulkId: string;
  /** The tenant whose jobs are replayed; null when an operator replays across tenants. */
  tenantId: string | null;
  /** The visibility query of the jobs to replay, built by the API from the filter and the tenant. */
  query: string;
  overrides: ReplayOverrides;
  maxJobs: number;
  perSecond: number;
  /** Jobs one run replays before it continues as new (default 250). */
  jobsPerRun?: number;
  /** Set on the runs after a continue-as-new. */
  carried?: BulkReplayCarried;
}

export type BulkReplayWorkflow = (input: BulkReplayInput) => Promise<BulkReplayReport>;

/** What the memo of a bulk replay holds, for `GET /v1/jobs/:id`. */
export interface BulkReplayMemo {
  tenant: string | null;
  filter: JobFilter;
  overrides: ReplayOverrides;
}

export interface SnapshotReplayJobsInput {
  query: string;
  maxJobs: number;
}

export interface StartReplayInput {
  bulkId: string;
  target: ReplayTarget;
  overrides: ReplayOverrides;
}

/** A replay started (or found started by an earlier attempt), or a job that cannot be replayed and why. */
export type StartReplayResult = { replayId: string } | { skipped: string };

/** The activities of a bulk replay, run on the jobs task queue. */
export interface BulkReplayActivities {
  /** The ids (and tenants) of the closed jobs the query matches, newest first, at most `maxJobs`. */
  snapshotReplayJobs(input: SnapshotReplayJobsInput): Promise<ReplayTarget[]>;
  /** Starts one replay under an id derived from the bulk replay and the original, so it never starts twice. */
  startReplay(input: StartReplayInput): Promise<StartReplayResult>;
}
