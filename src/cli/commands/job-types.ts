import type { JobFilter } from './job-filter';

/** One row, and one page, of `GET /v1/jobs`: the API's own types, which the CLI reads as JSON. */
export type { JobListItem, JobListPage as JobList } from '../../api/job-list';

/** `POST /v1/jobs/replays` with `dry_run`. */
export interface BulkReplayPreview {
  object: 'bulk_replay_preview';
  matched: number;
  job_ids: string[];
}

/** `POST /v1/jobs/replays` started. */
export interface BulkReplayStarted {
  id: string;
  object: 'bulk_replay';
  status: string;
}

/** `GET /v1/jobs/:id` of a bulk replay. */
export interface BulkReplay {
  id: string;
  object: 'bulk_replay';
  status: string;
  tenant: string | null;
  filter: JobFilter;
  overrides: { model?: string } | null;
  progress: { matched: number; replayed: number; skipped: number; failed: number };
  report: {
    replayed: Array<{ job_id: string; replay_id: string }>;
    skipped: Array<{ job_id: string; reason: string }>;
    failed: Array<{ job_id: string; error: string }>;
  } | null;
  created_at: string;
}

/** `GET /v1/jobs/:id` of a chat or embeddings job, as far as the CLI prints it. */
export interface JobView {
  id: string;
  object: 'job';
  status: string;
  model: string | null;
  created_at: string;
  completed_at: string | null;
  replay_of?: string;
  result?: {
    providerId?: string;
    model?: string;
    costUsd?: number | null;
    cacheHit?: boolean;
    degraded?: boolean;
    latencyMs?: number;
    completion?: { choices?: Array<{ message?: { content?: unknown } }> };
  };
  error?: { code: string; type: string; message: string; attempts?: JobAttempt[] };
}

/** One target a failed job tried: the provider, the model, how it ended and after how many tries. */
export interface JobAttempt {
  providerId: string;
  model: string;
  outcome: string;
  attempts: number;
  message?: string;
}
