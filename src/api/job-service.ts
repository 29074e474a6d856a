import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { ChatRequest } from '../../workflows/chat-types';
import { FailureType, isFailureType } from '../../workflows/failure-types';
import { aiJob } from '../../workflows/ai-job';
import * as attributes from '../../workflows/search-attributes';
import { jobsTaskQueue, statusQuery, type AiJobInput, type AiJobResult } from '../../workflows/shared';
import { UnknownModelError, type Config } from '../config';
import { planJob, type JobPlan, type RequestCachePolicy } from './job-plan';
import { FAILURE_HTTP } from './failure-status';
import { HttpError } from './http-error';
import { idempotentJobId, newJobId, requestHash } from './job-ids';
import { jobStateOf, type JobView } from './job-view';
import { isDeadlineExceeded, temporalUnavailable } from './temporal-errors';
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

export interface SubmittedJob {
  jobId: string;
  /** True when an Idempotency-Key matched a job submitted before: nothing new was started. */
  existing: boolean;
  handle: WorkflowHandle<typeof aiJob>;
}

/** A progress query must not hold a GET hostage when no worker is there to answer it. */
const PROGRESS_QUERY_DEADLINE_MS = 1_500;
/**
 * Starts, describes and cancels answer in milliseconds when Temporal is up; when it is down, the client
 * would retry for many seconds, so callers get a prompt 503 instead.
 */
const CONTROL_CALL_DEADLINE_MS = 5_000;

/** Starts, reads and cancels jobs. The job id is the workflow id; tenants see only their own jobs. */
export class JobService {
  constructor(
    private readonly client: Client,
    private readonly config: Config,
    private readonly metrics?: ApiMetrics,
  ) {}

  /** Decides the job's chain, cache use and budget; a 400 for an unknown model or route. */
  plan(tenantId: string, request: ChatRequest, cachePolicy?: RequestCachePolicy): JobPlan {
    try {
      return planJob(this.config, tenantId, request, cachePolicy);
    } catch (err) {
      if (err instanceof UnknownModelError) throw new HttpError(400, 'unknown_model', err.message, { param: 'model' });
      throw err;
    }
  }

  /** Starts the job's workflow, or finds the one an Idempotency-Key already started. */
  async submit(input: SubmitJobInput): Promise<SubmittedJob> {
    const hash = requestHash({ request: input.request, metadata: input.metadata ?? {} });
    const jobId = input.idempotencyKey ? idempotentJobId(input.tenantId, input.idempotencyKey) : newJobId();
    const workflowInput: AiJobInput = {
      jobId,
      tenantId: input.tenantId,
      request: input.request,
      targets: input.plan.targets,
      acceptedAt: new Date().toISOString(),
      cache: input.plan.cache,
      budget: input.plan.budget,
      fallback: input.plan.fallback,
      ...(input.replayOf ? { replayOf: input.replayOf } : {}),
    };
    try {
      const handle = await this.control(() =>
        this.client.workflow.start(aiJob, {
          workflowId: jobId,
          taskQueue: jobsTaskQueue(this.config.temporal.taskQueuePrefix),
          args: [workflowInput],
          // An idempotency key stays bound to its job even after the job has finished.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          memo: { requestHash: hash, metadata: input.metadata ?? {} },
          typedSearchAttributes: [
            { key: attributes.TENANT, value: input.tenantId },
            { key: attributes.MODEL, value: input.request.model },
            { key: attributes.STATUS, value: 'running' },
            ...(input.replayOf ? [{ key: attributes.REPLAY_OF, value: input.replayOf }] : []),
          ],
          staticSummary: `chat ${input.request.model} · tenant ${input.tenantId}`,
        }),
      );
      this.metrics?.jobsSubmitted.inc({ tenant: input.tenantId, model: input.request.model });
      return { jobId, existing: false, handle };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !input.idempotencyKey) throw err;
      const handle = this.client.workflow.getHandle<typeof aiJob>(jobId);
      const description = await this.describeOwned(handle, input.tenantId);
      if (description.memo?.requestHash !== hash) {
        throw new HttpError(
          409,
          'idempotency_key_reused',
          'This Idempotency-Key was already used for a different request; use a new key for a new request.',
          { details: { job_id: jobId } },
        );
      }
      return { jobId, existing: true, handle };
    }
  }

  /** The job as the API shows it; with `waitSeconds`, first waits up to that long for it to finish. */
  async view(jobId: string, tenantId: string, waitSeconds = 0): Promise<JobView> {
    const handle = this.client.workflow.getHandle<typeof aiJob>(jobId);
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
  async cancel(jobId: string, tenantId: string): Promise<JobView> {
    const handle = this.client.workflow.getHandle<typeof aiJob>(jobId);
    const description = await this.describeOwned(handle, tenantId);
    if (description.status.name !== 'RUNNING') {
      throw new HttpError(409, 'job_not_running', `Job ${jobId} is already ${jobStateOf(description.status.name)}.`);
    }
    await this.control(() => handle.cancel());
    return this.toView(handle, description);
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
    const handle = this.client.workflow.getHandle<typeof aiJob>(jobId);
    await this.describeOwned(handle, tenantId);
    const history = await this.control(() => handle.fetchHistory());
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const original = payload ? defaultPayloadConverter.fromPayload<AiJobInput>(payload) : undefined;
    if (!original?.request) {
      throw new HttpError(409, 'job_not_replayable', `Job ${jobId} has no recorded request to replay.`);
    }
    const plan = this.plan(tenantId, original.request, { mode: original.cache ? 'refresh' : 'bypass' });
    await beforeStart(original.request, plan);
    return this.submit({ tenantId, request: original.request, plan, replayOf: jobId });
  }

  /** Runs a job to completion for the synchronous endpoints; failures become HTTP errors. */
  async run(tenantId: string, request: ChatRequest, plan: JobPlan): Promise<AiJobResult> {
    const { jobId, handle } = await this.submit({ tenantId, request, plan });
    const deadline = Date.now() + this.config.api.syncTimeoutSeconds * 1000;
    try {
      return await this.client.connection.withDeadline(deadline, () => handle.result());
    } catch (err) {
      if (isDeadlineExceeded(err)) {
        throw new HttpError(
          504,
          'job_timeout',
          `The job did not finish within ${this.config.api.syncTimeoutSeconds} s; it goes on as ${jobId} (GET /v1/jobs/${jobId}).`,
          { details: { job_id: jobId } },
        );
      }
      if (err instanceof WorkflowFailedError) {
        const failure = failureOf(err);
        const mapped = isFailureType(failure.type) ? FAILURE_HTTP[failure.type] : { status: 502, code: 'job_failed' };
        throw new HttpError(mapped.status, mapped.code, failure.message, {
          details: { job_id: jobId, attempts: failure.attempts },
          headers: failure.type === FailureType.RateLimited ? { 'retry-after': '1' } : {},
        });
      }
      throw err;
    }
  }

  private async control<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.client.connection.withDeadline(Date.now() + CONTROL_CALL_DEADLINE_MS, call);
    } catch (err) {
      if (isDeadlineExceeded(err)) throw temporalUnavailable();
      throw err;
    }
  }

  private async describeOwned(
    handle: WorkflowHandle<typeof aiJob>,
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
    handle: WorkflowHandle<typeof aiJob>,
    description: WorkflowExecutionDescription,
  ): Promise<JobView> {
    const memoMetadata = description.memo?.metadata;
    const view: JobView = {
      id: handle.workflowId,
      object: 'job',
      status: jobStateOf(description.status.name),
      model: description.typedSearchAttributes.get(attributes.MODEL) ?? null,
      created_at: description.startTime.toISOString(),
      completed_at: description.closeTime?.toISOString() ?? null,
      metadata: isStringRecord(memoMetadata) ? memoMetadata : {},
    };
    switch (view.status) {
      case 'running':
        try {
          view.progress = await this.client.connection.withDeadline(Date.now() + PROGRESS_QUERY_DEADLINE_MS, () =>
            handle.query(statusQuery),
          );
        } catch {
          // No worker answered in time: the job is queued behind others or its workers are restarting.
        }
        break;
      case 'completed':
        view.result = await handle.result();
        break;
      case 'failed':
        try {
          await handle.result();
        } catch (err) {
          const failure = failureOf(err);
          const code = isFailureType(failure.type) ? FAILURE_HTTP[failure.type].code : 'job_failed';
          view.error = { code, type: failure.type, message: failure.message, attempts: failure.attempts };
        }
        break;
      case 'cancelled':
        view.error = { code: 'job_cancelled', type: 'CANCELLED', message: 'The job was cancelled.' };
        break;
      case 'terminated':
        view.error = { code: 'job_terminated', type: 'TERMINATED', message: 'The job was terminated by an operator.' };
        break;
      case 'timed_out':
        view.error = { code: 'job_timed_out', type: 'TIMED_OUT', message: 'The job exceeded its time limit.' };
        break;
    }
    return view;
  }
}

function jobNotFound(jobId: string): HttpError {
  return new HttpError(404, 'job_not_found', `No job ${jobId}.`);
}

function failureOf(err: unknown): { type: string; message: string; attempts?: unknown } {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { type: cause.type ?? 'UNKNOWN', message: cause.message, attempts: cause.details?.[0] };
  }
  return { type: 'UNKNOWN', message: cause instanceof Error ? cause.message : String(cause) };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}
