import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { Logger } from 'pino';
import type { CachedEmbedding } from '../contract/cached-embedding';
import {
  EMBEDDING_BATCH_WORKFLOW,
  type EmbeddingBatchInput,
  type EmbeddingBatchWorkflow,
  type EmbeddingCachePlan,
  type EmbeddingItemResult,
} from '../contract/embedding-batch';
import type { SpendCaps } from '../contract/activities';
import type { JobTarget } from '../contract/job';
import * as attributes from '../contract/search-attributes';
import { jobsTaskQueue } from '../contract/task-queues';
import type { Config } from '../config';
import type { ResponseCacheStore } from '../stores/cache/contract';
import type { BudgetLedger } from '../stores/ledger/contract';
import type { Admission, AdmissionTicket } from './admission';
import { planEmbeddings, type EmbeddingPlan, type EmbeddingsRequest } from './embedding-plan';
import { failureHttpOf } from '../contract/failure-http';
import { HttpError } from './http-error';
import { MicroBatcher } from './micro-batcher';
import { refuseOverCap } from './spend-check';
import { isWaitOver } from './temporal-errors';
import { underDeadline } from './owned-workflow';
import { noteJobRun } from '../telemetry/job-log-context';

/** One text on its way to a batch. */
interface QueuedText {
  tenantId: string;
  text: string;
  estimateUsd: number;
  caps: SpendCaps;
  cache: EmbeddingCachePlan | null;
  target: JobTarget;
  dimensions: number | undefined;
}

/** One vector of an answer, in input order. */
export interface EmbeddedText {
  /** Base64 float32. */
  vector: string;
  tokens: number;
  cached: boolean;
}

/** What an embeddings request answers. */
export interface EmbeddingsAnswer {
  model: string;
  vectors: EmbeddedText[];
  costUsd: number;
  /** The longest wait of one of its texts for its batch, in ms (0 when every text was cached). */
  batchWaitMs: number;
  /** Texts in the largest batch one of its texts went with. */
  batchSize: number;
}

/**
 * Answers embeddings requests. Each text is looked up in the cache; the rest join the accumulator of their model,
 * which sends up to `batching.maxItems` texts of any requests and tenants together, at most `batching.maxWaitMs`
 * after the first, as one durable batch workflow making one provider call.
 */
export class EmbeddingService {
  private readonly batcher: MicroBatcher<QueuedText, EmbeddingItemResult>;

  constructor(
    private readonly client: Client,
    private readonly config: Config,
    private readonly cache: ResponseCacheStore<CachedEmbedding>,
    private readonly ledger: BudgetLedger,
    private readonly admission: Admission,
    private readonly logger: Logger,
  ) {
    this.batcher = new MicroBatcher(config.batching, (_key, items) => this.runBatch(items));
  }

  /** Embeds the request's texts; failures become HTTP errors naming the first text that failed. */
  async embed(tenantId: string, request: EmbeddingsRequest, ticket: AdmissionTicket = {}): Promise<EmbeddingsAnswer> {
    const { plan, cached, missing } = await this.prepare(tenantId, request, ticket);

    const key = `${plan.target.providerId}\u0000${plan.target.model}\u0000${request.dimensions ?? ''}`;
    const batched = await Promise.all(
      missing.map((index) => {
        const item = plan.items[index];
        if (!item) throw new Error(`no item ${index}`);
        return this.batcher.add(key, {
          tenantId,
          ...item,
          caps: plan.caps,
          target: plan.target,
          dimensions: request.dimensions,
        });
      }),
    );

    const vectors: EmbeddedText[] = [];
    const model = plan.target.model;
    let costUsd = 0;
    const fresh = new Map(missing.map((index, i) => [index, batched[i]]));
    for (let index = 0; index < plan.items.length; index++) {
      const hit = cached[index];
      if (hit) {
        vectors.push({ vector: hit.vector, tokens: 0, cached: true });
        continue;
      }
      const result = fresh.get(index)?.result;
      if (!result) throw new Error(`no result for input ${index}`);
      if (!result.ok) throw itemFailure(result, index);
      vectors.push({ vector: result.vector, tokens: result.tokens, cached: false });
      costUsd += result.costUsd ?? 0;
    }
    return {
      model,
      vectors,
      costUsd,
      batchWaitMs: Math.max(0, ...batched.map((b) => b.waitedMs)),
      batchSize: Math.max(0, ...batched.map((b) => b.batchSize)),
    };
  }

  /**
   * Starts an embeddings job (`POST /v1/jobs` with `input`): one batch workflow of its own, whose id is the job id,
   * carrying the cached vectors along so that the job's result holds every text's. With an Idempotency-Key, a
   * resubmission finds the job the first one started.
   */
  async submit(
    tenantId: string,
    request: EmbeddingsRequest,
    options: { jobId: string; metadata?: Record<string, string> } & AdmissionTicket,
  ): Promise<{ jobId: string; existing: boolean }> {
    const { plan, cached } = await this.prepare(tenantId, request, options);
    const input: EmbeddingBatchInput = {
      batchId: options.jobId,
      target: plan.target,
      ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
      items: plan.items.map((item, i) => {
        const hit = cached[i];
        return {
          id: String(i),
          tenantId,
          ...item,
          caps: plan.caps,
          ...(hit ? { cached: hit.vector } : {}),
        };
      }),
      acceptedAt: new Date().toISOString(),
    };
    try {
      const handle = await this.start(input, [tenantId], { metadata: options.metadata ?? {} }, options.signal);
      // For the submit's log line: the job's run (a shared micro-batch is no request's own job, so it is not noted).
      noteJobRun(handle.workflowId, handle.firstExecutionRunId);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { jobId: options.jobId, existing: true };
      throw err;
    }
    return { jobId: options.jobId, existing: false };
  }

  /**
   * Plans the request, reads the cache, and refuses it (400, 402, 422) before it costs anything: what is cached,
   * and which texts are still to embed. Counts the tenant's rate limit last, for a request that goes on.
   */
  private async prepare(tenantId: string, request: EmbeddingsRequest, ticket: AdmissionTicket) {
    const plan = planEmbeddings(this.config, tenantId, request);
    const cached = await this.lookUp(plan);
    const missing = plan.items.flatMap((_item, index) => (cached[index] ? [] : [index]));
    if (missing.length > 0 && plan.cacheUse?.only) {
      throw new HttpError(422, 'cache_miss', `The cache has no vector for input ${missing[0]} (cache mode "only").`, {
        param: 'input',
      });
    }
    const missingUsd = missing.reduce((sum, index) => sum + (plan.items[index]?.estimateUsd ?? 0), 0);
    if (missing.length > 0) await refuseOverCap(this.ledger, tenantId, plan.caps, missingUsd, 'This request');
    await ticket.beforeStart?.();
    return { plan, cached, missing };
  }

  /** Texts waiting in the accumulator now. */
  get waiting(): number {
    return this.batcher.waiting;
  }

  /** The cached vector of each text, where the tenant reads the cache; a store outage reads as misses. */
  private async lookUp(plan: EmbeddingPlan): Promise<Array<CachedEmbedding | null>> {
    if (!plan.cacheUse?.read) return plan.items.map(() => null);
    try {
      return await Promise.all(
        plan.items.map(async (item) => {
          const entry = item.cache ? await this.cache.get(item.cache.key) : null;
          return entry && !entry.stale ? entry.value : null;
        }),
      );
    } catch (err) {
      this.logger.warn({ err }, 'embeddings cache unavailable: every text goes to the provider');
      return plan.items.map(() => null);
    }
  }

  /** One batch workflow for the texts of one accumulator group; one result per text, in order. */
  private async runBatch(items: QueuedText[]): Promise<EmbeddingItemResult[]> {
    const first = items[0];
    if (!first) return [];
    const batchId = `embeddings-${randomUUID()}`;
    const input: EmbeddingBatchInput = {
      batchId,
      target: first.target,
      ...(first.dimensions !== undefined ? { dimensions: first.dimensions } : {}),
      items: items.map((item, i) => ({
        id: String(i),
        tenantId: item.tenantId,
        text: item.text,
        estimateUsd: item.estimateUsd,
        caps: item.caps,
        cache: item.cache,
      })),
      acceptedAt: new Date().toISOString(),
    };
    const handle = await this.start(input, [...new Set(items.map((item) => item.tenantId))]);
    const { syncTimeoutSeconds } = this.config.api;
    try {
      const deadline = Date.now() + syncTimeoutSeconds * 1000;
      return (await this.client.connection.withDeadline(deadline, () => handle.result())).items;
    } catch (err) {
      throw this.waitError(err, batchId, syncTimeoutSeconds);
    }
  }

  /**
   * What callers get when waiting for their batch failed. The batch goes on, and its vectors are cached once it
   * ends: a retry then is answered from the cache, while a retry right after a timeout would pay again.
   */
  private waitError(err: unknown, batchId: string, syncTimeoutSeconds: number): HttpError {
    if (isWaitOver(err)) {
      return new HttpError(504, 'job_timeout', `The embeddings batch did not finish within ${syncTimeoutSeconds} s.`, {
        details: { batch_id: batchId },
        headers: { 'x-should-retry': 'false' },
      });
    }
    this.logger.warn({ err, batchId }, 'waiting for an embeddings batch failed; the batch goes on');
    return new HttpError(
      503,
      'temporal_unavailable',
      'Lost track of the embeddings batch; its texts are cached once it ends.',
      {
        details: { batch_id: batchId },
        headers: { 'retry-after': '5' },
      },
    );
  }

  /** Starts a batch workflow under a start slot; a 503 when Temporal does not answer in time. */
  private async start(
    input: EmbeddingBatchInput,
    tenants: string[],
    memo?: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<WorkflowHandleWithFirstExecutionRunId<EmbeddingBatchWorkflow>> {
    const release = await this.admission.enter(this.admission.starts, this.admission.deadline(), signal);
    try {
      const handle = await underDeadline(this.client, this.config.api.temporalDeadlineMs, () =>
        this.client.workflow.start<EmbeddingBatchWorkflow>(EMBEDDING_BATCH_WORKFLOW, {
          workflowId: input.batchId,
          taskQueue: jobsTaskQueue(this.config.temporal.taskQueuePrefix),
          args: [input],
          // A job's id is bound to it for good, like a chat job's.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          ...(memo ? { memo } : {}),
          typedSearchAttributes: [
            // A batch of one tenant is listed under it (and readable as its job); a shared one under none.
            ...(tenants.length === 1 && tenants[0] ? [{ key: attributes.TENANT, value: tenants[0] }] : []),
            { key: attributes.PROVIDER, value: input.target.providerId },
            { key: attributes.MODEL, value: input.target.model },
            { key: attributes.STATUS, value: 'running' },
          ],
          staticSummary: `embeddings ${input.target.model} · ${input.items.length} texts`,
        }),
      );
      return handle;
    } finally {
      release();
    }
  }
}

/** The HTTP error of a text that got no vector. */
function itemFailure(result: Extract<EmbeddingItemResult, { ok: false }>, index: number): HttpError {
  const mapped = failureHttpOf(result.failureType);
  return new HttpError(mapped.status, mapped.code, `Input ${index}: ${mapped.message ?? result.message}`, {
    param: 'input',
    ...(mapped.status === 503 ? { headers: { 'retry-after': '5' } } : {}),
    ...(result.failureType === 'RATE_LIMITED' ? { headers: { 'retry-after': '1' } } : {}),
  });
}
