import { randomBytes } from 'node:crypto';
import type { Client, WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import { resolveTargets, UnknownModelError, type Config } from '../config';
import { AI_JOB_WORKFLOW } from '../contract/job';
import { jobsTaskQueue } from '../contract/task-queues';
import * as attributes from '../contract/search-attributes';
import {
  BULK_REPLAY_ID_PREFIX,
  BULK_REPLAY_WORKFLOW,
  type BulkReplayMemo,
  type BulkReplayProgress,
  type BulkReplayReport,
  type BulkReplayWorkflow,
  type JobFilter,
  type ReplayOverrides,
} from '../contract/bulk-replay';
import { STATUS_QUERY } from '../contract/job';
import { HttpError } from './http-error';
import { jobListQuery } from './job-list-query';
import { jobStateOf, type JobState } from './job-view';
import { describeOwned, underDeadline } from './owned-workflow';
import type { BulkReplayBody } from './bulk-replay-schemas';

/** A progress query must not hold a GET hostage when no worker is there to answer it. */
const PROGRESS_QUERY_DEADLINE_MS = 1_500;

/** `GET /v1/jobs/:id` of a bulk replay. */
export interface BulkReplayView {
  id: string;
  object: 'bulk_replay';
  status: JobState;
  tenant: string | null;
  filter: JobFilter;
  overrides: ReplayOverrides;
  progress: BulkReplayProgress;
  report: BulkReplayReport | null;
  created_at: string;
}

export type BulkReplayAccepted =
  | { object: 'bulk_replay_preview'; matched: number; job_ids: string[] }
  | { id: string; object: 'bulk_replay'; status: 'running'; per_second: number; links: { self: string } };

/** True for an id of a bulk replay rather than of a job. */
export function isBulkReplayId(id: string): boolean {
  return id.startsWith(BULK_REPLAY_ID_PREFIX);
}

/**
 * The visibility query of the jobs a bulk replay takes: closed chat jobs matching the filter (so neither bulk
 * replays nor jobs still running), of `tenantId` unless it is null.
 */
export function replayQuery(filter: JobFilter, tenantId: string | null): string {
  return `${jobListQuery(filter, tenantId, [AI_JOB_WORKFLOW])} AND ExecutionStatus != 'Running'`;
}

/** Starts, reads and cancels bulk replays (`bulkReplay` workflows); tenants see only their own. */
export class BulkReplayService {
  constructor(
    private readonly client: Client,
    private readonly config: Config,
  ) {}

  /** Starts a bulk replay, or with `dry_run` lists the jobs it would replay. */
  async start(body: BulkReplayBody, tenantId: string | null): Promise<BulkReplayAccepted> {
    if (body.overrides.model !== undefined) this.checkModel(body.overrides.model);
    const query = replayQuery(body.filter, tenantId);
    if (body.dry_run) {
      const jobIds = await this.matching(query, body.max_jobs);
      return { object: 'bulk_replay_preview', matched: jobIds.length, job_ids: jobIds };
    }
    const perSecond = this.pace(body.per_second, tenantId);
    const bulkId = `${BULK_REPLAY_ID_PREFIX}${Date.now().toString(36)}${randomBytes(10).toString('hex')}`;
    const memo: BulkReplayMemo = { tenant: tenantId, filter: body.filter, overrides: body.overrides };
    await this.control(() =>
      this.client.workflow.start<BulkReplayWorkflow>(BULK_REPLAY_WORKFLOW, {
        workflowId: bulkId,
        taskQueue: jobsTaskQueue(this.config.temporal.taskQueuePrefix),
        args: [
          {
            bulkId,
            tenantId,
            query,
            overrides: body.overrides,
            maxJobs: body.max_jobs,
            perSecond,
          },
        ],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { ...memo },
        typedSearchAttributes: [
          ...(tenantId !== null ? [{ key: attributes.TENANT, value: tenantId }] : []),
          { key: attributes.STATUS, value: 'running' },
        ],
        staticSummary: `bulk replay · ${tenantId === null ? 'every tenant' : `tenant ${tenantId}`}`,
      }),
    );
    return {
      id: bulkId,
      object: 'bulk_replay',
      status: 'running',
      per_second: perSecond,
      links: { self: `/v1/jobs/${bulkId}` },
    };
  }

  /**
   * The pace of a tenant's bulk replay: what it asked for, but never faster than its requests-per-minute limit,
   * which its replays would otherwise get around (they start inside Temporal, not through the API's limiter).
   */
  private pace(asked: number, tenantId: string | null): number {
    const perMinute = tenantId === null ? undefined : this.config.tenants[tenantId]?.limits.requestsPerMinute;
    return perMinute === undefined ? asked : Math.min(asked, perMinute / 60);
  }

  /** The bulk replay as the API shows it: its progress while it runs, its report once it has completed. */
  async view(bulkId: string, scope: string | null): Promise<BulkReplayView> {
    const handle = this.client.workflow.getHandle<BulkReplayWorkflow>(bulkId);
    const description = await this.describeOwned(handle, scope);
    const memo = (description.memo ?? {}) as Partial<BulkReplayMemo>;
    const status = jobStateOf(description.status.name);
    let report: BulkReplayReport | null = null;
    let progress: BulkReplayProgress = { matched: 0, replayed: 0, skipped: 0, failed: 0 };
    if (status === 'completed') {
      report = await this.control(() => handle.result());
      const counts = { replayed: report.replayed.length, skipped: report.skipped.length, failed: report.failed.length };
      progress = { matched: counts.replayed + counts.skipped + counts.failed, ...counts };
    } else {
      try {
        progress = await this.client.connection.withDeadline(Date.now() + PROGRESS_QUERY_DEADLINE_MS, () =>
          handle.query<BulkReplayProgress>(STATUS_QUERY),
        );
      } catch {
        // No worker answered in time: the counts stay at zero until one does.
      }
    }
    return {
      id: bulkId,
      object: 'bulk_replay',
      status,
      tenant: memo.tenant ?? null,
      filter: memo.filter ?? {},
      overrides: memo.overrides ?? {},
      progress,
      report,
      created_at: (await this.firstStart(handle, description)).toISOString(),
    };
  }

  /** Requests cancellation: replays already started run on; no new one starts. */
  async cancel(
    bulkId: string,
    scope: string | null,
  ): Promise<Omit<BulkReplayView, 'status'> & { status: 'cancelling' }> {
    const handle = this.client.workflow.getHandle<BulkReplayWorkflow>(bulkId);
    const description = await this.describeOwned(handle, scope);
    if (description.status.name !== 'RUNNING') {
      throw new HttpError(409, 'job_not_running', `Job ${bulkId} is already ${jobStateOf(description.status.name)}.`);
    }
    await this.control(() => handle.cancel());
    return { ...(await this.view(bulkId, scope)), status: 'cancelling' };
  }

  /** A configured model or route, or a 400 naming `overrides.model`. */
  private checkModel(model: string): void {
    try {
      resolveTargets(this.config, model);
    } catch (err) {
      if (err instanceof UnknownModelError) {
        throw new HttpError(400, 'invalid_request', `overrides.model: ${err.message}`, {
          param: 'overrides.model',
          details: { param: 'overrides.model' },
        });
      }
      throw err;
    }
  }

  /** The ids of the jobs `query` matches, newest first, at most `max`. */
  private async matching(query: string, max: number): Promise<string[]> {
    const ids: string[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await this.control(() =>
        this.client.workflowService.listWorkflowExecutions({
          namespace: this.config.temporal.namespace,
          query,
          pageSize: Math.min(500, max - ids.length),
          ...(nextPageToken ? { nextPageToken } : {}),
        }),
      );
      for (const raw of page.executions ?? []) {
        const id = raw.execution?.workflowId;
        if (id && ids.length < max) ids.push(id);
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken && ids.length < max);
    return ids;
  }

  /** When the bulk replay started: its first run's start, not the run a continue-as-new began. */
  private async firstStart(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<Date> {
    const firstRunId = description.raw.workflowExecutionInfo?.firstRunId;
    if (!firstRunId || firstRunId === description.runId) return description.startTime;
    const first = await this.control(() =>
      this.client.workflow.getHandle(handle.workflowId, firstRunId).describe(),
    ).catch(() => description);
    return first.startTime;
  }

  private control<T>(call: () => Promise<T>): Promise<T> {
    return underDeadline(this.client, this.config.api.temporalDeadlineMs, call);
  }

  private describeOwned(handle: WorkflowHandle, scope: string | null): Promise<WorkflowExecutionDescription> {
    return describeOwned(
      (call) => this.control(call),
      handle,
      scope,
      (id) => new HttpError(404, 'job_not_found', `No job ${id}.`),
      BULK_REPLAY_WORKFLOW,
    );
  }
}
