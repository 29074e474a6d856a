import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { BatchJobResult, BatchJobStatus } from '../contract/batch-job';
import { CHAT_ENDPOINT } from './batch-schemas';

/** OpenAI's batch object, with what Switchyard adds under `switchyard`. */
export interface BatchView {
  id: string;
  object: 'batch';
  endpoint: string;
  errors: { object: 'list'; data: Array<{ code: string; message: string; line: number | null }> } | null;
  input_file_id: string | null;
  completion_window: '24h';
  status: 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string>;
  switchyard: {
    phase: BatchJobStatus['phase'] | null;
    /** The provider's own state of the batch, while it runs. */
    provider_state: string | null;
    /** The reservation: every request's worst case at the batch price. */
    reserved_usd: number;
    /** While it runs, a bound on what the answers so far cost: their share of the reservation. */
    estimated_cost_so_far_usd: number | null;
    /** What the job was charged, at the batch price, once it has ended. */
    cost_usd: number | null;
  };
}

/** What the view is built from: the workflow's description, and its progress or result. */
export interface BatchViewSource {
  id: string;
  description: WorkflowExecutionDescription;
  inputFileId: string | null;
  total: number;
  /** The reservation: every request's worst case at the batch price. */
  estimateUsd: number;
  metadata: Record<string, string>;
  progress?: BatchJobStatus;
  result?: BatchJobResult;
  /** Why the job failed as a whole (e.g. its budget), when it did. */
  failure?: { code: string; message: string };
}

const DAY_SECONDS = 86_400;

/** The batch as OpenAI's `GET /v1/batches/{id}` shows one. */
export function batchView(source: BatchViewSource): BatchView {
  const { description, progress, result, failure } = source;
  const createdAt = Math.floor(description.startTime.getTime() / 1000);
  const closedAt = description.closeTime ? Math.floor(description.closeTime.getTime() / 1000) : null;
  const status = statusOf(source);
  const done = result ? result.succeeded : (progress?.done ?? 0);
  const failed = result ? result.failed : (progress?.failed ?? 0);
  const reserved = source.estimateUsd;
  return {
    id: source.id,
    object: 'batch',
    endpoint: CHAT_ENDPOINT,
    errors: failure
      ? { object: 'list', data: [{ ...failure, line: null }] }
      : result?.error
        ? { object: 'list', data: [{ code: 'batch_failed', message: result.error, line: null }] }
        : null,
    input_file_id: source.inputFileId,
    completion_window: '24h',
    status,
    output_file_id: result?.outputFileId ?? null,
    error_file_id: result?.errorFileId ?? null,
    created_at: createdAt,
    in_progress_at: status === 'validating' ? null : createdAt,
    expires_at: createdAt + DAY_SECONDS,
    finalizing_at: status === 'finalizing' ? (progress?.polledAt ?? null) : result ? result.completedAt : null,
    completed_at: status === 'completed' ? (result?.completedAt ?? closedAt) : null,
    failed_at: status === 'failed' ? closedAt : null,
    expired_at: status === 'expired' ? closedAt : null,
    cancelling_at: status === 'cancelling' ? (progress?.polledAt ?? null) : null,
    cancelled_at: status === 'cancelled' ? closedAt : null,
    request_counts: { total: source.total, completed: done, failed },
    metadata: source.metadata,
    switchyard: {
      phase: progress?.phase ?? null,
      provider_state: progress?.providerState ?? null,
      reserved_usd: reserved,
      estimated_cost_so_far_usd:
        progress && !result && source.total > 0
          ? Math.round(((reserved * (done + failed)) / source.total) * 1e8) / 1e8
          : null,
      cost_usd: result?.costUsd ?? null,
    },
  };
}

function statusOf({ description, progress, result, failure }: BatchViewSource): BatchView['status'] {
  if (result) return result.state;
  if (failure) return failure.code === 'job_cancelled' ? 'cancelled' : 'failed';
  switch (description.status.name) {
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
    case 'TERMINATED':
      return 'failed';
    case 'TIMED_OUT':
      return 'expired';
    default:
      break;
  }
  switch (progress?.phase) {
    case 'running':
      return progress.providerState === 'finalizing' ? 'finalizing' : 'in_progress';
    case 'collecting':
      return 'finalizing';
    case 'cancelling':
      return 'cancelling';
    case 'reserving':
    case 'submitting':
    case undefined:
      return 'validating';
    default:
      return 'in_progress';
  }
}
