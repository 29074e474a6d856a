import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { ChatRequest } from '../contract/chat';
import type { Logger } from 'pino';
import * as attributes from '../contract/search-attributes';
import { jobsTaskQueue } from '../contract/task-queues';
import {
  AI_JOB_WORKFLOW,
  STATUS_QUERY,
  type AiJobInput,
  type AiJobResult,
  type AiJobWorkflow,
  type JobStatus,
} from '../contract/job';
import { UnknownModelError, type Config } from '../config';
import { planJob, type JobPlan, type RequestCachePolicy } from './job-plan';
import { UncacheableRequestError } from './uncacheable-request-error';
import { UnpricedModelError } from './unpriced-model-error';
import { failureHttpOf } from './failure-status';
import { jobFailureOf, tenantProgress, tenantResult } from './tenant-failure';
import { HttpError } from './http-error';
import { existingJob, jobNotFound, submissionHash, type SubmittedJob } from './idempotent-jobs';

export type { SubmittedJob };
import { syncRunError } from './sync-run-error';
import { fromWorkflowRequest, toWorkflowRequest } from './request-by-reference';
import { guardStore } from '../stores/shared/store-unavailable';
import type { ResponseCacheStore } from '../stores/cache/contract';
import { idempotentJobId, newJobId } from './job-ids';
import { CLOSED_JOB_ERRORS, isStringRecord, jobStateOf, type CancellingView, type JobView } from './job-view';
import { isDeadlineExceeded, outcomeUnknown, temporalUnavailable } from './temporal-errors';
import { settleUncertainStart, StartOutcomeUnknownError, type SettledStart } from './uncertain-start';
import type { ApiMetrics } from '../telemetry/api-metrics';

export interface SubmitJobInput {
  tenantId: string;
  request: ChatRequest;
  /** From `planJob`: the chain, cache and budget decisions. */
  plan: JobPlan;
  metadata?: Record<string, string>;
  idempotencyKey?: string;
  replayOf?: string;
}

/** A submission's Idempotency-Key and what it asks, to find the job an earlier one with the key started. */
export interface IdempotentLookup {
  tenantId: string;
  idempotencyKey: string;
  request: ChatRequest;
  metadata?: Record<string, string>;
}

/** A progress query must not hold a GET hostage when no worker is there to answer it. */
const PROGRESS_QUERY_DEADLINE_MS = 1_500;

/** Starts, reads and cancels jobs. The job id is the workflow id; tenants see only their own jobs. */
export class JobService {
  constructor(
    private readonly client: Client,
    private readonly config: Config,
    private readonly metrics?: ApiMetrics,
    /** Where the provider's own failure text goes, since tenants only see a fixed text per failure type. */
    private readonly logger?: Logger,
    /** Where requests too large for workflow history are kept (see `toWorkflowRequest`). */
    private readonly requests?: ResponseCacheStore<ChatRequest>,
  ) {}

  /**
   * Decides the job's chain, cache use and budget; a 400 for an unknown model or route, for an unpriced
   * model when the tenant has a spending cap and no worst-case price is configured, and for a request that a
   * cache-only tenant could get only from a provider.
   */
  plan(tenantId: string, request: ChatRequest, cachePolicy?: RequestCachePolicy): JobPlan {
    try {
      return planJob(this.config, tenantId, request, cachePolicy);
    } catch (err) {
      if (err instanceof UnknownModelError) throw new HttpError(400, 'unknown_model', err.message, { param: 'model' });
      if (err instanceof UnpricedModelError)
        throw new HttpError(400, 'unpriced_model', err.message, { param: 'model' });
      if (err instanceof UncacheableRequestError) {
        throw new HttpError(400, 'request_not_cacheable', err.message, { param: 'temperature' });
      }
      throw err;
    }
  }

  /**
   * The job an earlier submit with this Idempotency-Key started, or null when the key is new. Asked before the
   * rate limit is counted, so that a client retrying a request that was accepted gets its job back without
   * spending the tenant's limit on it (or being refused by it). A 409 when the key was used for another request.
   */
  async findIdempotent(input: IdempotentLookup): Promise<SubmittedJob | null> {
    const jobId = idempotentJobId(input.tenantId, input.idempotencyKey);
    const handle = this.client.workflow.getHandle<AiJobWorkflow>(jobId);
    let description: WorkflowExecutionDescription;
    try {
      description = await this.control(() => handle.describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
    // The id is scoped by tenant, so this holds; checked anyway, as every read of a job is.
    if (description.typedSearchAttributes.get(attributes.TENANT) !== input.tenantId) return null;
    return existingJob(jobId, handle, description, submissionHash(input));
  }

  /** Starts the job's workflow, or finds the one an Idempotency-Key already started. */
  async submit(input: SubmitJobInput): Promise<SubmittedJob> {
    const hash = submissionHash(input);
    const jobId = input.idempotencyKey ? idempotentJobId(input.tenantId, input.idempotencyKey) : newJobId();
    // Tells this request's workflow from one an earlier request with the same Idempotency-Key started.
    const submissionId = randomUUID();
    // Fails closed: a large request that cannot be stored cannot be run (503 while the cache store is down).
    const carried = this.requests
      ? await guardStore('cache', () => toWorkflowRequest(this.requests!, input.plan.request))
      : { request: input.plan.request };
    const workflowInput: AiJobInput = {
      jobId,
      tenantId: input.tenantId,
      // With its output limit set; the idempotency hash above is of the request as the client sent it.
      ...carried,
      targets: input.plan.targets,
      acceptedAt: new Date().toISOString(),
      cache: input.plan.cache,
      budget: input.plan.budget,
      fallback: input.plan.fallback,
      ...(input.replayOf ? { replayOf: input.replayOf } : {}),
    };
    const start = () =>
      this.client.workflow.start<AiJobWorkflow>(AI_JOB_WORKFLOW, {
        workflowId: jobId,
        taskQueue: jobsTaskQueue(this.config.temporal.taskQueuePrefix),
        args: [workflowInput],
        // An idempotency key stays bound to its job even after the job has finished.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { requestHash: hash, metadata: input.metadata ?? {}, submissionId },
        typedSearchAttributes: [
          { key: attributes.TENANT, value: input.tenantId },
          { key: attributes.MODEL, value: input.request.model },
          { key: attributes.STATUS, value: 'running' },
          ...(input.replayOf ? [{ key: attributes.REPLAY_OF, value: input.replayOf }] : []),
        ],
        staticSummary: `chat ${input.request.model} · tenant ${input.tenantId}`,
      });
    const handle = this.client.workflow.getHandle<AiJobWorkflow>(jobId);
    let settled: SettledStart;
    try {
      await this.client.connection.withDeadline(Date.now() + this.config.api.temporalDeadlineMs, start);
      settled = { kind: 'started' };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError && input.idempotencyKey) {
        settled = { kind: 'exists', description: await this.describeOwned(handle, input.tenantId) };
      } else if (outcomeUnknown(err)) {
        // The start may have created the workflow although its answer was lost: a 503 now would make the
        // client submit again and pay twice. Find out first.
        settled = await settleUncertainStart({
          start: (deadline) => this.client.connection.withDeadline(deadline, start),
          describe: (deadline) => this.client.connection.withDeadline(deadline, () => handle.describe()),
        }).catch((unknown: unknown) => {
          throw unknown instanceof StartOutcomeUnknownError ? temporalUnavailable() : unknown;
        });
      } else if (isDeadlineExceeded(err)) {
        throw temporalUnavailable();
      } else {
        throw err;
      }
    }
    if (settled.kind === 'exists' && settled.description.memo?.submissionId !== submissionId) {
      // Without a key, a workflow this submit did not start is never the client's job.
      return existingJob(jobId, handle, settled.description, input.idempotencyKey ? hash : null);
    }
    this.metrics?.jobsSubmitted.inc({ tenant: input.tenantId, model: input.request.model });
    return { jobId, existing: false, handle, status: 'running' };
  }

  /** The job as the API shows it; with `waitSeconds`, first waits up to that long for it to finish. */
  async view(jobId: string, tenantId: string, waitSeconds = 0): Promise<JobView> {
    const handle = this.client.workflow.getHandle<AiJobWorkflow>(jobId);
    let description = await this.describeOwned(handle, tenantId);
    if (description.status.name === 'RUNNING' && waitSeconds > 0) {
      try {
        await this.client.connection.withDeadline(Date.now() + waitSeconds * 1000, () => handle.result());
      } catch {
        // Whether it finished, failed or is still running, the fresh description below tells.
      }
      description = await this.control(() => handle.describe());
    }
    return this.toView(handle, description);
  }

  /** Requests cancellation; the workflow releases what it holds and ends as cancelled. */
  async cancel(jobId: string, tenantId: string): Promise<CancellingView> {
    const handle = this.client.workflow.getHandle<AiJobWorkflow>(jobId);
    const description = await this.describeOwned(handle, tenantId);
    if (description.status.name !== 'RUNNING') {
      throw new HttpError(409, 'job_not_running', `Job ${jobId} is already ${jobStateOf(description.status.name)}.`);
    }
    await this.control(() => handle.cancel());
    // No progress query: the reply reports the cancellation, not the phase the workflow was in.
    const view = await this.toView(handle, description, { progress: false });
    return { ...view, status: 'cancelling' };
  }

  /**
   * Starts a new job with the request of `jobId` (any state), linked to it by `SwitchyardReplayOf`. The
   * replay is planned with today's config and skips the cache read (it refreshes the entry instead).
   */
  async replay(
    jobId: string,
    tenantId: string,
    beforeStart: (request: ChatRequest, plan: JobPlan) => Promise<void>,
  ): Promise<SubmittedJob> {
    const handle = this.client.workflow.getHandle<AiJobWorkflow>(jobId);
    await this.describeOwned(handle, tenantId);
    const history = await this.control(() => handle.fetchHistory());
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    // Through the client's codec: with encryption at rest, the recorded input is ciphertext.
    const original = payload
      ? await decodeFromPayloadsAtIndex<AiJobInput>(this.client.options.loadedDataConverter, 0, [payload])
      : undefined;
    const request = !original?.request
      ? null
      : this.requests
        ? await guardStore('cache', () => fromWorkflowRequest(this.requests!, original))
        : original.request;
    if (!original || !request) {
      throw new HttpError(409, 'job_not_replayable', `Job ${jobId} has no recorded request to replay.`);
    }
    const plan = this.plan(tenantId, request, { mode: original.cache ? 'refresh' : 'bypass' });
    await beforeStart(request, plan);
    return this.submit({ tenantId, request, plan, replayOf: jobId });
  }

  /** Runs a job to completion for the synchronous endpoints; failures become HTTP errors. */
  async run(
    tenantId: string,
    request: ChatRequest,
    plan: JobPlan,
    metadata?: Record<string, string>,
  ): Promise<AiJobResult> {
    const { jobId, handle } = await this.submit({ tenantId, request, plan, ...(metadata ? { metadata } : {}) });
    const deadline = Date.now() + this.config.api.syncTimeoutSeconds * 1000;
    try {
      return tenantResult(await this.client.connection.withDeadline(deadline, () => handle.result()));
    } catch (err) {
      throw syncRunError(err, { jobId, tenantId, syncTimeoutSeconds: this.config.api.syncTimeoutSeconds }, this.logger);
    }
  }

  private async control<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.client.connection.withDeadline(Date.now() + this.config.api.temporalDeadlineMs, call);
    } catch (err) {
      if (isDeadlineExceeded(err)) throw temporalUnavailable();
      throw err;
    }
  }

  private async describeOwned(
    handle: WorkflowHandle<AiJobWorkflow>,
    tenantId: string,
  ): Promise<WorkflowExecutionDescription> {
    let description: WorkflowExecutionDescription;
    try {
      description = await this.control(() => handle.describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw jobNotFound(handle.workflowId);
      throw err;
    }
    // Another tenant's job is reported exactly like a job that does not exist.
    if (description.typedSearchAttributes.get(attributes.TENANT) !== tenantId) throw jobNotFound(handle.workflowId);
    return description;
  }

  private async toView(
    handle: WorkflowHandle<AiJobWorkflow>,
    description: WorkflowExecutionDescription,
    { progress = true }: { progress?: boolean } = {},
  ): Promise<JobView> {
    const memoMetadata = description.memo?.metadata;
    const replayOf = description.typedSearchAttributes.get(attributes.REPLAY_OF);
    const view: JobView = {
      id: handle.workflowId,
      object: 'job',
      status: jobStateOf(description.status.name),
      model: description.typedSearchAttributes.get(attributes.MODEL) ?? null,
      created_at: description.startTime.toISOString(),
      completed_at: description.closeTime?.toISOString() ?? null,
      metadata: isStringRecord(memoMetadata) ? memoMetadata : {},
      ...(replayOf ? { replay_of: replayOf } : {}),
    };
    switch (view.status) {
      case 'running':
        if (!progress) break;
        try {
          const progress = await this.client.connection.withDeadline(Date.now() + PROGRESS_QUERY_DEADLINE_MS, () =>
            handle.query<JobStatus>(STATUS_QUERY),
          );
          view.progress = tenantProgress(progress);
        } catch {
          // No worker answered in time: the job is queued behind others or its workers are restarting.
        }
        break;
      case 'completed':
        view.result = tenantResult(await handle.result());
        break;
      case 'failed':
        try {
          await handle.result();
        } catch (err) {
          const failure = jobFailureOf(err);
          this.logger?.warn(
            { jobId: handle.workflowId, failureType: failure.type, detail: failure.detail },
            'failed job read',
          );
          const { code } = failureHttpOf(failure.type);
          view.error = { code, type: failure.type, message: failure.message, attempts: failure.attempts };
        }
        break;
      default:
        view.error = CLOSED_JOB_ERRORS[view.status];
    }
    return view;
  }
}
