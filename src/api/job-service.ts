import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { ChatRequest } from '../contract/chat';
import type { Logger } from 'pino';
import * as attributes from '../contract/search-attributes';
import type { AiJobResult, AiJobWorkflow } from '../contract/job';
import type { Config } from '../config';
import type { JobPlan, RequestCachePolicy } from './job-plan';
import { planRequest } from './plan-request';
import { tenantResult } from './tenant-failure';
import { HttpError } from './http-error';
import { existingJob, jobNotFound, submissionHash, type SubmittedJob } from './idempotent-jobs';

export type { SubmittedJob };
import { syncRunError } from './sync-run-error';
import { toWorkflowRequest } from './request-by-reference';
import { recordedRequest, replayPlan } from '../replay/replay-start';
import { guardStore } from '../stores/shared/store-unavailable';
import type { ResponseCacheStore } from '../stores/cache/contract';
import type { CancelMarks } from '../stores/cancel-marks';
import { idempotentJobId, newJobId } from './job-ids';
import { jobStateOf, type CancellingView, type JobView } from './job-view';
import { readJobView } from './job-view-reader';
import { jobStartOptions } from './job-start-options';
import { Admission } from './admission';
import { isDeadlineExceeded, outcomeUnknown, temporalUnavailable } from './temporal-errors';
import { describeOwned, underDeadline } from './owned-workflow';
import { settleUncertainStart, StartOutcomeUnknownError, type SettledStart } from './uncertain-start';
import type { ApiMetrics } from '../telemetry/api-metrics';
import { noteJobRun } from '../telemetry/job-log-context';
import type { IdempotentLookup, SubmitJobInput, SyncRunTicket } from './job-inputs';

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
    /** Where cancellations are marked for provider calls that run as local activities. */
    private readonly cancelMarks?: CancelMarks,
  ) {
    this.admission = new Admission(config.api.admission, metrics?.registry);
  }

  /** How many starts and synchronous jobs run at once; beyond it requests wait briefly or get 503 `overloaded`. */
  readonly admission: Admission;

  /** Decides the job's chain, cache use and budget (see `planRequest` for the 400s). */
  plan(tenantId: string, request: ChatRequest, cachePolicy?: RequestCachePolicy): JobPlan {
    return planRequest(this.config, tenantId, request, cachePolicy);
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
    noteJobRun(jobId, description.runId);
    return existingJob(jobId, handle, description, submissionHash(input));
  }

  /**
   * Starts the job's workflow, or finds the one an Idempotency-Key already started. Waits for a start slot
   * first, and only then runs `beforeStart`: a request refused with 503 `overloaded` has spent nothing.
   */
  submit(input: SubmitJobInput): Promise<SubmittedJob> {
    return this.admitAndStart(input, this.admission.deadline());
  }

  private async admitAndStart(input: SubmitJobInput, deadline: number): Promise<SubmittedJob> {
    // The slot bounds start calls in flight, so it is held until the start's outcome is known, no longer.
    const release = await this.admission.enter(this.admission.starts, deadline, input.signal);
    try {
      await input.beforeStart?.();
      return await this.start(input);
    } finally {
      release();
    }
  }

  private async start(input: SubmitJobInput): Promise<SubmittedJob> {
    const hash = submissionHash(input);
    const jobId = input.idempotencyKey ? idempotentJobId(input.tenantId, input.idempotencyKey) : newJobId();
    const submissionId = randomUUID();
    // Fails closed: a large request that cannot be stored cannot be run (503 while the cache store is down).
    const carried = this.requests
      ? await guardStore('cache', () => toWorkflowRequest(this.requests!, input.plan.request))
      : { request: input.plan.request };
    const [workflow, options] = jobStartOptions(
      { ...input, jobId, carried, requestHash: hash, submissionId },
      this.config.temporal.taskQueuePrefix,
    );
    const start = () => this.client.workflow.start<AiJobWorkflow>(workflow, options);
    const handle = this.client.workflow.getHandle<AiJobWorkflow>(jobId);
    let settled: SettledStart;
    try {
      const started = await this.client.connection.withDeadline(Date.now() + this.config.api.temporalDeadlineMs, start);
      noteJobRun(jobId, started.firstExecutionRunId);
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
    if (settled.kind === 'exists') noteJobRun(jobId, settled.description.runId);
    if (settled.kind === 'exists' && settled.description.memo?.submissionId !== submissionId) {
      // Without a key, a workflow this submit did not start is never the client's job.
      return existingJob(jobId, handle, settled.description, input.idempotencyKey ? hash : null);
    }
    this.metrics?.jobsSubmitted.inc({ tenant: input.tenantId, model: input.request.model });
    return { jobId, existing: false, handle, status: 'running' };
  }

  /** The tenant a job runs as (its `SwitchyardTenant`), for an operator who named none; 404 when there is no such job. */
  async ownerOf(jobId: string): Promise<string> {
    const handle = this.client.workflow.getHandle<AiJobWorkflow>(jobId);
    const tenantId = (await this.describeOwned(handle, null)).typedSearchAttributes.get(attributes.TENANT);
    if (!tenantId) throw jobNotFound(jobId);
    return tenantId;
  }

  /** The job as the API shows it; with `waitSeconds`, first waits up to that long for it to finish. */
  async view(jobId: string, tenantId: string | null, waitSeconds = 0): Promise<JobView> {
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
  async cancel(jobId: string, tenantId: string | null): Promise<CancellingView> {
    const handle = this.client.workflow.getHandle<AiJobWorkflow>(jobId);
    const description = await this.describeOwned(handle, tenantId);
    if (description.status.name !== 'RUNNING') {
      throw new HttpError(409, 'job_not_running', `Job ${jobId} is already ${jobStateOf(description.status.name)}.`);
    }
    await this.control(() => handle.cancel());
    // Best effort: the cancellation is Temporal's; the mark only makes a local provider call stop sooner.
    await this.cancelMarks?.mark(jobId).catch((err: unknown) => this.logger?.warn({ err, jobId }, 'no cancel mark'));
    // No progress query: the reply reports the cancellation, not the phase the workflow was in.
    const view = await this.toView(handle, description, { progress: false });
    return { ...view, status: 'cancelling' };
  }

  /**
   * Starts a new job with the request of `jobId` (any state), linked to it by `SwitchyardReplayOf`. The
   * replay is planned with today's config and skips the cache read (it refreshes the entry instead). It runs as
   * the original job's tenant; `scope` null (an operator) may replay any tenant's job.
   */
  async replay(
    jobId: string,
    scope: string | null,
    beforeStart: (request: ChatRequest, plan: JobPlan, tenantId: string) => Promise<void>,
  ): Promise<SubmittedJob & { tenantId: string }> {
    const handle = this.client.workflow.getHandle<AiJobWorkflow>(jobId);
    const description = await this.describeOwned(handle, scope);
    const tenantId = description.typedSearchAttributes.get(attributes.TENANT);
    const source = { client: this.client, config: this.config, ...(this.requests ? { requests: this.requests } : {}) };
    const recorded = tenantId
      ? await guardStore('cache', () => this.control(() => recordedRequest(source, handle)))
      : null;
    if (!tenantId || !recorded) {
      throw new HttpError(409, 'job_not_replayable', `Job ${jobId} has no recorded request to replay.`);
    }
    const { request, plan } = replayPlan(this.config, tenantId, recorded);
    const submitted = await this.submit({
      tenantId,
      request,
      plan,
      replayOf: jobId,
      beforeStart: () => beforeStart(request, plan, tenantId),
    });
    return { ...submitted, tenantId };
  }

  /**
   * Runs a job to completion for the synchronous endpoints; failures become HTTP errors. The job holds a
   * synchronous slot from admission to its result, an active slot while it is busy in Temporal, and a start
   * slot while it starts; waiting for all of them together lasts at most `api.admission.maxQueueWaitMs`.
   */
  async run(
    tenantId: string,
    request: ChatRequest,
    plan: JobPlan,
    metadata?: Record<string, string>,
    { onStarted, ...ticket }: SyncRunTicket = {},
  ): Promise<AiJobResult> {
    const admitBy = this.admission.deadline();
    const end = await this.admission.enterSyncJob(admitBy, ticket.signal);
    try {
      const input = { tenantId, request, plan, ...(metadata ? { metadata } : {}), ...ticket };
      const { jobId, handle } = await this.admitAndStart(input, admitBy);
      onStarted?.(jobId);
      const { syncTimeoutSeconds } = this.config.api;
      try {
        const deadline = Date.now() + syncTimeoutSeconds * 1000;
        const result = await this.client.connection.withDeadline(deadline, () => handle.result());
        end(result.providerLatencyMs);
        return tenantResult(result);
      } catch (err) {
        throw syncRunError(err, { jobId, tenantId, syncTimeoutSeconds }, this.logger);
      }
    } finally {
      end();
    }
  }

  private control<T>(call: () => Promise<T>): Promise<T> {
    return underDeadline(this.client, this.config.api.temporalDeadlineMs, call);
  }

  private toView(
    handle: WorkflowHandle<AiJobWorkflow>,
    description: WorkflowExecutionDescription,
    { progress = true }: { progress?: boolean } = {},
  ): Promise<JobView> {
    return readJobView({
      client: this.client,
      handle,
      description,
      progress,
      ...(this.logger ? { logger: this.logger } : {}),
    });
  }

  /** `tenantId` null (an operator) owns every job. */
  private describeOwned(
    handle: WorkflowHandle<AiJobWorkflow>,
    tenantId: string | null,
  ): Promise<WorkflowExecutionDescription> {
    return describeOwned((call) => this.control(call), handle, tenantId, jobNotFound);
  }
}
