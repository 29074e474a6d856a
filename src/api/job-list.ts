import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { AI_JOB_WORKFLOW } from '../contract/job';
import { EMBEDDING_BATCH_WORKFLOW } from '../contract/embedding-batch';
import { BULK_REPLAY_WORKFLOW, type JobFilter } from '../contract/bulk-replay';
import * as attributes from '../contract/search-attributes';
import { visibilityRecord } from '../contract/visibility-record';
import { HttpError } from './http-error';
import { jobListQuery } from './job-list-query';
import { jobStateOf, type JobState } from './job-view';
import { underDeadline } from './owned-workflow';

/** One job of `GET /v1/jobs`, from its workflow's visibility record (no history is read). */
export interface JobListItem {
  id: string;
  object: 'job';
  kind: 'chat' | 'embeddings' | 'bulk_replay';
  tenant: string | null;
  status: JobState;
  model: string | null;
  provider: string | null;
  failure_type: string | null;
  cost_usd: number | null;
  cache_hit: boolean | null;
  degraded: boolean | null;
  replay_of: string | null;
  created_at: string;
  closed_at: string | null;
}

export interface JobListPage {
  object: 'list';
  data: JobListItem[];
  next_cursor: string | null;
}

const GRPC_INVALID_ARGUMENT = 3;

const KINDS: Record<string, JobListItem['kind']> = {
  [AI_JOB_WORKFLOW]: 'chat',
  [EMBEDDING_BATCH_WORKFLOW]: 'embeddings',
  [BULK_REPLAY_WORKFLOW]: 'bulk_replay',
};

/**
 * Lists jobs from Temporal's visibility store, one page at a time. The cursor is Temporal's own page token
 * (base64url); the query always names the tenant unless an operator lists every tenant, so a cursor can never
 * reach another tenant's jobs. Visibility lags a job's changes by a moment.
 */
export class JobList {
  constructor(
    private readonly client: Client,
    private readonly config: Config,
  ) {}

  async list(
    filter: JobFilter,
    tenantId: string | null,
    page: { limit: number; cursor?: string },
  ): Promise<JobListPage> {
    const { namespace } = this.config.temporal;
    if (page.cursor !== undefined && !isPageToken(page.cursor)) throw badCursor();
    const response = await underDeadline(this.client, this.config.api.temporalDeadlineMs, () =>
      this.client.workflowService.listWorkflowExecutions({
        namespace,
        query: jobListQuery(filter, tenantId),
        pageSize: page.limit,
        ...(page.cursor ? { nextPageToken: Buffer.from(page.cursor, 'base64url') } : {}),
      }),
    ).catch((err: unknown) => {
      // Temporal refuses a page token that is not its own.
      if (page.cursor && (err as { code?: unknown }).code === GRPC_INVALID_ARGUMENT) {
        throw badCursor();
      }
      throw err;
    });
    const data = (response.executions ?? []).map((raw): JobListItem => {
      const info = visibilityRecord(raw);
      const sa = info.searchAttributes;
      return {
        id: info.workflowId,
        object: 'job',
        kind: KINDS[info.type] ?? 'chat',
        tenant: sa.get(attributes.TENANT) ?? null,
        status: jobStateOf(info.status),
        model: sa.get(attributes.MODEL) ?? null,
        provider: sa.get(attributes.PROVIDER) ?? null,
        failure_type: sa.get(attributes.FAILURE_TYPE) ?? null,
        cost_usd: sa.get(attributes.COST_USD) ?? null,
        cache_hit: sa.get(attributes.CACHE_HIT) ?? null,
        degraded: sa.get(attributes.DEGRADED) ?? null,
        replay_of: sa.get(attributes.REPLAY_OF) ?? null,
        created_at: info.startTime.toISOString(),
        closed_at: info.closeTime?.toISOString() ?? null,
      };
    });
    const token = response.nextPageToken;
    return { object: 'list', data, next_cursor: token?.length ? Buffer.from(token).toString('base64url') : null };
  }
}

function badCursor(): HttpError {
  const message = 'is not a cursor from next_cursor';
  return new HttpError(400, 'invalid_parameter', `cursor: ${message}`, {
    param: 'cursor',
    details: { param: 'cursor', errors: [{ field: 'cursor', message }] },
  });
}

/**
 * Whether `cursor` can be a page token of Temporal's SQL visibility (a JSON object): the server answers one it
 * cannot read with an internal error that the client retries until its deadline, so it is checked here first.
 */
function isPageToken(cursor: string): boolean {
  try {
    const token: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return typeof token === 'object' && token !== null && !Array.isArray(token);
  } catch {
    return false;
  }
}
