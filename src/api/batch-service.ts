import { randomBytes } from 'node:crypto';
import {
  WorkflowFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Logger } from 'pino';
import {
  BATCH_PRICE_FACTOR,
  PROVIDER_BATCH_WORKFLOW,
  type BatchJobInput,
  type BatchJobItem,
  type BatchJobItems,
  type BatchJobStatus,
  type ProviderBatchWorkflow,
} from '../contract/batch-job';
import type { CachedResponse } from '../contract/job';
import { STATUS_QUERY } from '../contract/job';
import * as attributes from '../contract/search-attributes';
import type { StoredFile } from '../contract/stored-file';
import { jobsTaskQueue } from '../contract/task-queues';
import type { Config } from '../config';
import { ownEntry } from '../config/own-entry';
import type { ResponseCacheStore } from '../stores/cache/contract';
import type { BudgetLedger } from '../stores/ledger/contract';
import { guardStore } from '../stores/shared/store-unavailable';
import type { Admission } from './admission';
import { readBatchLines, type BatchBody } from './batch-schemas';
import { batchView, type BatchView } from './batch-view';
import { failureHttpOf } from '../contract/failure-http';
import { HttpError } from './http-error';
import { isStringRecord } from './job-view';
import { planRequest } from './plan-request';
import { jobIdSchema, toChatRequest } from './schemas';
import { refuseOverCap } from './spend-check';
import { jobFailureOf } from './tenant-failure';
import { describeOwned, underDeadline } from './owned-workflow';

/** How long a batch job's prepared requests are kept: past its 24 h window and the collection after it. */
const ITEMS_SECONDS = 31 * 86_400;

/** What a file id can be: ours are `file-` and hex, a batch job's outputs `file-<job id>-output`. */
const FILE_ID = /^file-[A-Za-z0-9_-]{1,200}$/;

/** Provider types with a Batch API. */
const BATCH_PROVIDERS = new Set(['openai', 'anthropic']);

/** A progress query must not hold a GET hostage when no worker is there to answer it. */
const PROGRESS_QUERY_DEADLINE_MS = 1_500;

/** What the memo of a batch job holds, for its view once its workflow has ended. */
interface BatchMemo {
  inputFileId: string | null;
  total: number;
  estimateUsd: number;
  metadata: Record<string, string>;
}

export interface BatchServiceDeps {
  client: Client;
  config: Config;
  files: ResponseCacheStore<StoredFile>;
  batchItems: ResponseCacheStore<BatchJobItems>;
  cache: ResponseCacheStore<CachedResponse>;
  ledger: BudgetLedger;
  admission: Admission;
  logger: Logger;
}

/**
 * Batch jobs: `POST /v1/batches` checks every request, answers the cached ones from the cache, reserves the rest's
 * worst case at the batch price and starts one `providerBatchJob` workflow; reads and cancels go to that workflow.
 * The batch id is the job id, so `GET /v1/jobs/:id` shows the same job.
 */
export class BatchService {
  constructor(private readonly deps: BatchServiceDeps) {}

  /** Starts a batch job; 400s name the line and field, 402 when the tenant's cap cannot take its worst case. */
  async create(tenantId: string, body: BatchBody, beforeStart: () => Promise<void>): Promise<BatchView> {
    const { config } = this.deps;
    const inputFileId = body.input_file_id ?? null;
    const source = inputFileId
      ? { file: (await this.ownFile(tenantId, inputFileId, 'input_file_id')).content }
      : {
          requests: body.requests ?? [],
        };
    const lines = readBatchLines(source, config.batchJobs.maxRequests);
    const jobId = `job_batch_${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;

    const items: BatchJobItem[] = [];
    let estimateUsd = 0;
    let firstTarget: BatchJobInput['target'] | undefined;
    let caps: BatchJobInput['caps'] = {};
    for (const [index, line] of lines.entries()) {
      const plan = planRequest(config, tenantId, toChatRequest(line.body));
      const target = plan.targets[0];
      if (!target) throw new HttpError(400, 'unknown_model', `requests.${index}: no target`, { param: 'model' });
      firstTarget ??= target;
      if (target.providerId !== firstTarget.providerId || target.model !== firstTarget.model) {
        throw new HttpError(
          400,
          'invalid_batch_request',
          `Request ${index} (${line.custom_id}) is for ${target.providerId}:${target.model}, the batch's first for ${firstTarget.providerId}:${firstTarget.model}: a batch goes to one model.`,
          { param: inputFileId ? 'input_file_id' : `requests.${index}.body.model` },
        );
      }
      caps = plan.budget.caps;
      const cached = plan.cache && plan.cache.mode !== 'refresh' ? await this.cachedAnswer(plan.cache.key) : null;
      if (!cached) estimateUsd += plan.budget.estimateUsd * BATCH_PRICE_FACTOR;
      items.push({
        customId: line.custom_id,
        request: plan.request,
        cache: plan.cache,
        ...(cached ? { cached } : {}),
      });
    }
    if (!firstTarget) throw new HttpError(400, 'invalid_batch_file', 'The batch has no request.');
    const provider = ownEntry(config.providers, firstTarget.providerId);
    if (!provider || !BATCH_PROVIDERS.has(provider.type)) {
      throw new HttpError(
        400,
        'batch_unsupported',
        `${firstTarget.providerId}:${firstTarget.model} is served by a ${provider?.type ?? 'unknown'} provider, which has no Batch API; batches go to OpenAI or Anthropic models.`,
        { param: inputFileId ? 'input_file_id' : 'requests.0.body.model' },
      );
    }
    await refuseOverCap(this.deps.ledger, tenantId, caps, estimateUsd, 'This batch');
    await beforeStart();

    const itemsKey = `batch-items:${jobId}`;
    await guardStore('cache', () => this.deps.batchItems.set(itemsKey, { items }, ITEMS_SECONDS, 0));
    const metadata = body.metadata ?? {};
    const input: BatchJobInput = {
      jobId,
      tenantId,
      target: firstTarget,
      itemsKey,
      total: items.length,
      estimateUsd,
      caps,
      polling: { initialSeconds: config.batchJobs.pollInitialSeconds, maxSeconds: config.batchJobs.pollMaxSeconds },
      ...(inputFileId ? { inputFileId } : {}),
      metadata,
      createdAt: Math.floor(Date.now() / 1000),
    };
    const memo: BatchMemo = { inputFileId, total: items.length, estimateUsd, metadata };
    const model = lines[0]?.body.model ?? firstTarget.model;
    await this.start(input, memo, model);
    return this.view(jobId, tenantId);
  }

  /** The batch as OpenAI shows one, with its live counts while it runs. */
  async view(id: string, tenantId: string): Promise<BatchView> {
    if (!jobIdSchema.safeParse(id).success) throw batchNotFound(id);
    const handle = this.deps.client.workflow.getHandle<ProviderBatchWorkflow>(id);
    const description = await this.describeOwned(handle, tenantId);
    const memo = memoOf(description);
    const source = { id, description, ...memo };
    switch (description.status.name) {
      case 'RUNNING': {
        // Without a worker to answer (one restarting), the progress the workflow last kept in its memo.
        const progress =
          (await this.deps.client.connection
            .withDeadline(Date.now() + PROGRESS_QUERY_DEADLINE_MS, () => handle.query<BatchJobStatus>(STATUS_QUERY))
            .catch(() => undefined)) ?? keptProgress(description, memo);
        return batchView({ ...source, ...(progress ? { progress } : {}) });
      }
      case 'COMPLETED':
        return batchView({ ...source, result: await handle.result() });
      default: {
        const failure = await handle.result().then(
          () => undefined,
          (err: unknown) => {
            if (!(err instanceof WorkflowFailedError)) return { code: 'job_failed', message: String(err) };
            const failed = jobFailureOf(err);
            return { code: failureHttpOf(failed.type).code, message: failed.message };
          },
        );
        return batchView({ ...source, ...(failure ? { failure } : {}) });
      }
    }
  }

  /** Cancels the batch: the provider stops it, and what it answered before is collected and charged. */
  async cancel(id: string, tenantId: string): Promise<BatchView> {
    if (!jobIdSchema.safeParse(id).success) throw batchNotFound(id);
    const handle = this.deps.client.workflow.getHandle<ProviderBatchWorkflow>(id);
    const description = await this.describeOwned(handle, tenantId);
    if (description.status.name !== 'RUNNING') {
      throw new HttpError(409, 'batch_not_running', `Batch ${id} has already ended.`);
    }
    await this.control(() => handle.cancel());
    const view = await this.view(id, tenantId);
    return view.status === 'cancelled' ? view : { ...view, status: 'cancelling' };
  }

  /** A file of the tenant's; a 404 naming `param` otherwise. */
  async ownFile(tenantId: string, id: string, param: string): Promise<StoredFile> {
    if (!FILE_ID.test(id)) throw new HttpError(404, 'file_not_found', 'No such file.', { param });
    const stored = await guardStore('cache', () => this.deps.files.get(id));
    if (!stored || stored.value.tenantId !== tenantId) {
      throw new HttpError(404, 'file_not_found', `No file ${id}.`, { param });
    }
    return stored.value;
  }

  private async cachedAnswer(key: string): Promise<CachedResponse | null> {
    try {
      const entry = await this.deps.cache.get(key);
      return entry && !entry.stale ? entry.value : null;
    } catch (err) {
      this.deps.logger.warn({ err }, 'cache unavailable: every batch request goes to the provider');
      return null;
    }
  }

  private async start(input: BatchJobInput, memo: BatchMemo, model: string): Promise<void> {
    const { admission, client, config } = this.deps;
    const release = await admission.enter(admission.starts, admission.deadline());
    try {
      await this.control(() =>
        client.workflow.start<ProviderBatchWorkflow>(PROVIDER_BATCH_WORKFLOW, {
          workflowId: input.jobId,
          taskQueue: jobsTaskQueue(config.temporal.taskQueuePrefix),
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          memo: { ...memo },
          typedSearchAttributes: [
            { key: attributes.TENANT, value: input.tenantId },
            { key: attributes.MODEL, value: model },
            { key: attributes.PROVIDER, value: input.target.providerId },
            { key: attributes.STATUS, value: 'running' },
          ],
          staticSummary: `batch ${model} · ${input.total} requests · tenant ${input.tenantId}`,
        }),
      );
    } finally {
      release();
    }
  }

  private control<T>(call: () => Promise<T>): Promise<T> {
    return underDeadline(this.deps.client, this.deps.config.api.temporalDeadlineMs, call);
  }

  private describeOwned(
    handle: WorkflowHandle<ProviderBatchWorkflow>,
    tenantId: string,
  ): Promise<WorkflowExecutionDescription> {
    return describeOwned((call) => this.control(call), handle, tenantId, batchNotFound, PROVIDER_BATCH_WORKFLOW);
  }
}

function batchNotFound(id: string): HttpError {
  // The id is the caller's text: named only when it could be one of ours.
  const named = jobIdSchema.safeParse(id).success ? ` ${id}` : '';
  return new HttpError(404, 'batch_not_found', `No such batch${named}.`, { param: 'batch_id' });
}

/** The progress the workflow keeps in its memo as it changes; undefined before the batch was submitted. */
function keptProgress(description: WorkflowExecutionDescription, memo: BatchMemo): BatchJobStatus | undefined {
  const kept = description.memo?.progress;
  if (typeof kept !== 'object' || kept === null) return undefined;
  const { phase, done, failed, providerState } = kept as Record<string, unknown>;
  if (typeof phase !== 'string' || typeof done !== 'number' || typeof failed !== 'number') return undefined;
  return {
    phase: phase as BatchJobStatus['phase'],
    total: memo.total,
    done,
    failed,
    estimateUsd: memo.estimateUsd,
    ...(typeof providerState === 'string' ? { providerState: providerState as BatchJobStatus['providerState'] } : {}),
  };
}

function memoOf(description: WorkflowExecutionDescription): BatchMemo {
  const memo = description.memo ?? {};
  return {
    inputFileId: typeof memo.inputFileId === 'string' ? memo.inputFileId : null,
    total: typeof memo.total === 'number' ? memo.total : 0,
    estimateUsd: typeof memo.estimateUsd === 'number' ? memo.estimateUsd : 0,
    metadata: isStringRecord(memo.metadata) ? memo.metadata : {},
  };
}
