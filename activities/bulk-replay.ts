import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { ChatRequest } from '../src/contract/chat';
import type { Config } from '../src/config';
import type { ResponseCacheStore } from '../src/stores/cache/contract';
import type { AiJobWorkflow } from '../src/contract/job';
import * as attributes from '../src/contract/search-attributes';
import { visibilityRecord } from '../src/contract/visibility-record';
import type {
  BulkReplayActivities,
  ReplayTarget,
  SnapshotReplayJobsInput,
  StartReplayInput,
  StartReplayResult,
} from '../src/contract/bulk-replay';
import { bulkReplayJobId, recordedRequest, replayPlan, startReplayJob } from '../src/replay/replay-start';

/** Why a bulk replay could not replay a job: a non-retryable failure, recorded in its report. */
export const REPLAY_REJECTED = 'REPLAY_REJECTED';

/** Visibility pages of this size while snapshotting: large enough for few round trips, small enough to stay fast. */
const SNAPSHOT_PAGE_SIZE = 500;

export interface BulkReplayDeps {
  client: Client;
  config: Config;
  requests?: ResponseCacheStore<ChatRequest>;
}

/** The activities of a bulk replay: the snapshot of the matching jobs, and one replay start per job. */
export function createBulkReplayActivities(deps: BulkReplayDeps): BulkReplayActivities {
  return {
    snapshotReplayJobs: (input) => snapshotReplayJobs(deps, input),
    startReplay: (input) => startReplay(deps, input),
  };
}

async function snapshotReplayJobs(deps: BulkReplayDeps, input: SnapshotReplayJobsInput): Promise<ReplayTarget[]> {
  const { client, config } = deps;
  const targets: ReplayTarget[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: config.temporal.namespace,
      query: input.query,
      pageSize: Math.min(SNAPSHOT_PAGE_SIZE, input.maxJobs - targets.length),
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const raw of page.executions ?? []) {
      const info = visibilityRecord(raw);
      const tenantId = info.searchAttributes.get(attributes.TENANT);
      if (tenantId && targets.length < input.maxJobs) targets.push({ jobId: info.workflowId, tenantId });
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken && targets.length < input.maxJobs);
  return targets;
}

async function startReplay(deps: BulkReplayDeps, input: StartReplayInput): Promise<StartReplayResult> {
  const { jobId, tenantId } = input.target;
  const replayId = bulkReplayJobId(input.bulkId, jobId);
  const handle = deps.client.workflow.getHandle<AiJobWorkflow>(jobId);
  const description = await handle.describe();
  // The snapshot selected by tenant; checked again, as every read of a job is.
  if (description.typedSearchAttributes.get(attributes.TENANT) !== tenantId) return { skipped: 'job_not_found' };
  const recorded = await recordedRequest(deps, handle);
  if (!recorded) return { skipped: 'no_recorded_request' };
  let planned;
  try {
    planned = replayPlan(deps.config, tenantId, recorded, input.overrides);
  } catch (err) {
    // Today's config cannot run the request (unknown model, unpriced model…): retrying would not change that.
    throw ApplicationFailure.create({
      type: REPLAY_REJECTED,
      message: err instanceof Error ? err.message : String(err),
      nonRetryable: true,
    });
  }
  // Started by an earlier attempt of this step (its answer lost, or its worker killed): replayed all the same.
  await startReplayJob(deps, { replayId, replayOf: jobId, tenantId, ...planned });
  return { replayId };
}
