import type { Client } from '@temporalio/client';
import * as attributes from '../../contract/search-attributes';
import { AI_JOB_WORKFLOW } from '../../contract/job';
import { EMBEDDING_BATCH_WORKFLOW } from '../../contract/embedding-batch';
import { visibilityRecord, type ExecutionStatusName, type VisibilityRecord } from '../../contract/visibility-record';

/** The workflows that are jobs: chat jobs and embedding jobs (flights, batches and replays are not). */
export const JOB_WORKFLOW_TYPES = [AI_JOB_WORKFLOW, EMBEDDING_BATCH_WORKFLOW] as const;

/** How a job ended. */
export type ClosedStatus = 'completed' | 'failed' | 'cancelled';

/** One closed job as visibility records it. */
export interface ClosedJob {
  id: string;
  tenant: string | null;
  provider: string | null;
  status: ClosedStatus;
  failureType: string | null;
  costUsd: number | null;
  cacheHit: boolean;
  degraded: boolean;
  /** `SwitchyardCoalesced`; null for a job of a release that did not record it. */
  coalesced: boolean | null;
  startMs: number;
  closeMs: number;
}

/** The newest closed jobs of a window, how many closed in all, and how many are running now. */
export interface JobSample {
  jobs: ClosedJob[];
  /** Jobs closed in the window (exact, from a count query). */
  closedCount: number;
  runningCount: number;
  /** True when more jobs closed in the window than the sample holds. */
  truncated: boolean;
}

export interface SampleQuery {
  taskQueue: string;
  sinceMs: number;
  /** The most closed jobs one refresh reads. */
  cap: number;
}

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Reads the jobs of the window from Temporal visibility: the search attributes the job workflows upsert
 * are the one record every API and worker process shares, so the figures are the same whichever API
 * replica computes them. Scoped to the deployment's jobs task queue, so deployments sharing a namespace
 * (and test runs sharing a server) do not see each other's jobs.
 */
export async function readJobSample(client: Client, { taskQueue, sinceMs, cap }: SampleQuery): Promise<JobSample> {
  const jobs = `TaskQueue = ${quote(taskQueue)} AND WorkflowType IN (${JOB_WORKFLOW_TYPES.map(quote).join(', ')})`;
  const closed = `${jobs} AND ExecutionStatus != 'Running' AND CloseTime >= ${quote(new Date(sinceMs).toISOString())}`;
  const [closedCount, runningCount, sampled] = await Promise.all([
    client.workflow.count(closed).then((c) => c.count),
    client.workflow.count(`${jobs} AND ExecutionStatus = 'Running'`).then((c) => c.count),
    newest(client, closed, cap),
  ]);
  return {
    jobs: sampled.jobs,
    closedCount: Math.max(closedCount, sampled.jobs.length),
    runningCount,
    truncated: sampled.more,
  };
}

/** Up to `cap` closed jobs, newest first (visibility lists closed executions by close time, newest first). */
async function newest(client: Client, query: string, cap: number): Promise<{ jobs: ClosedJob[]; more: boolean }> {
  const jobs: ClosedJob[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize: Math.min(cap + 1, 1_000),
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const raw of page.executions ?? []) {
      if (jobs.length === cap) return { jobs, more: true };
      const job = closedJob(visibilityRecord(raw));
      if (job) jobs.push(job);
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { jobs, more: false };
}

function closedJob(info: VisibilityRecord): ClosedJob | null {
  if (!info.closeTime) return null;
  const get = info.searchAttributes;
  const status = statusOf(get.get(attributes.STATUS), info.status);
  return {
    id: info.workflowId,
    tenant: get.get(attributes.TENANT) ?? null,
    provider: get.get(attributes.PROVIDER) ?? null,
    status,
    failureType: status === 'failed' ? (get.get(attributes.FAILURE_TYPE) ?? null) : null,
    costUsd: get.get(attributes.COST_USD) ?? null,
    cacheHit: get.get(attributes.CACHE_HIT) ?? false,
    degraded: get.get(attributes.DEGRADED) ?? false,
    coalesced: get.get(attributes.COALESCED) ?? null,
    startMs: info.startTime.getTime(),
    closeMs: info.closeTime.getTime(),
  };
}

/** The job's own status attribute; the execution's status when the job closed without writing one (terminated). */
function statusOf(recorded: string | undefined, execution: ExecutionStatusName): ClosedStatus {
  if (recorded === 'completed' || recorded === 'failed' || recorded === 'cancelled') return recorded;
  if (execution === 'COMPLETED') return 'completed';
  if (execution === 'CANCELLED') return 'cancelled';
  return 'failed';
}
