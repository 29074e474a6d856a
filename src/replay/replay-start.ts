import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { ChatRequest } from '../contract/chat';
import type { AiJobInput, AiJobWorkflow } from '../contract/job';
import type { Config } from '../config';
import type { ResponseCacheStore } from '../stores/cache/contract';
import type { ReplayOverrides } from '../contract/bulk-replay';
import { planRequest } from '../api/plan-request';
import type { JobPlan } from '../api/job-plan';
import { fromWorkflowRequest, toWorkflowRequest } from '../api/request-by-reference';
import { jobStartOptions } from '../api/job-start-options';
import { requestHash } from '../api/job-ids';

/**
 * What a replay needs, shared by a single replay (`POST /v1/jobs/:id/replay`, in the API) and a bulk replay (an
 * activity in the worker): the original's recorded request, its plan under today's config, and the start.
 */
export interface ReplaySource {
  client: Client;
  config: Config;
  /** Where requests too large for workflow history are kept; without it, only inline requests replay. */
  requests?: ResponseCacheStore<ChatRequest>;
}

/** A recorded request, and whether its job used the response cache. */
export interface RecordedRequest {
  request: ChatRequest;
  cached: boolean;
}

/**
 * The request `handle`'s job was started with, read from its first history event through the client's data
 * converter (with encryption at rest, the recorded input is ciphertext) and, for a large request, from the
 * request store. Null when the job has no chat request to replay (an embeddings job, or a request no longer stored).
 */
export async function recordedRequest(
  source: ReplaySource,
  handle: WorkflowHandle<AiJobWorkflow>,
): Promise<RecordedRequest | null> {
  const history = await handle.fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const original = payload
    ? await decodeFromPayloadsAtIndex<AiJobInput>(source.client.options.loadedDataConverter, 0, [payload])
    : undefined;
  if (!original?.request) return null;
  const request = source.requests ? await fromWorkflowRequest(source.requests, original) : original.request;
  return request ? { request, cached: !!original.cache } : null;
}

/**
 * The replay's request and plan under today's config: the original's request (with `overrides` applied), never
 * read from the cache — a replay refreshes the entry of a cached request instead. Throws `planRequest`'s 400s.
 */
export function replayPlan(
  config: Config,
  tenantId: string,
  recorded: RecordedRequest,
  overrides: ReplayOverrides = {},
): { request: ChatRequest; plan: JobPlan } {
  const request = overrides.model ? { ...recorded.request, model: overrides.model } : recorded.request;
  const plan = planRequest(config, tenantId, request, { mode: recorded.cached ? 'refresh' : 'bypass' });
  return { request, plan };
}

/** The job id of the replay of `jobId` by bulk replay `bulkId`: the same on every attempt, so it starts once. */
export function bulkReplayJobId(bulkId: string, jobId: string): string {
  return `job_rp_${createHash('sha256').update(`${bulkId}\u0000${jobId}`).digest('hex').slice(0, 40)}`;
}

/**
 * Starts the replay job `replayId` of `replayOf` with `REJECT_DUPLICATE`: an id that was started already (by an
 * earlier attempt of the same step) answers `existing: true` and starts nothing.
 */
export async function startReplayJob(
  source: ReplaySource,
  start: { replayId: string; replayOf: string; tenantId: string; request: ChatRequest; plan: JobPlan },
): Promise<{ existing: boolean }> {
  const carried = source.requests
    ? await toWorkflowRequest(source.requests, start.plan.request)
    : { request: start.plan.request };
  const [workflow, options] = jobStartOptions(
    {
      jobId: start.replayId,
      tenantId: start.tenantId,
      request: start.request,
      plan: start.plan,
      carried,
      replayOf: start.replayOf,
      requestHash: requestHash({ request: start.request, metadata: {} }),
      submissionId: start.replayId,
    },
    source.config.temporal.taskQueuePrefix,
  );
  try {
    await source.client.workflow.start<AiJobWorkflow>(workflow, options);
    return { existing: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { existing: true };
    throw err;
  }
}
