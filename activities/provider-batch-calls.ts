import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import {
  batchPrice,
  type BatchCallInput,
  type BatchJobItems,
  type CollectBatchInput,
  type CollectedBatch,
  type SubmitBatchInput,
  type SubmittedBatch,
} from '../src/contract/batch-job';
import { costOf } from '../src/contract/cost';
import { failureHttpOf } from '../src/contract/failure-http';
import { FailureType } from '../src/contract/failure-types';
import type { CachedResponse } from '../src/contract/job';
import type { ProviderBatchResult, ProviderBatchStatus } from '../src/contract/provider-batch';
import type { StoredFile } from '../src/contract/stored-file';
import type { ResponseCacheStore } from '../src/stores/cache/contract';
import { CallJournal } from './call-journal';
import { failedCallError } from './failed-call';
import { withHeartbeat } from './heartbeat';
import type { KeyLease, KeyPool, KeyPools } from './key-pool';
import type { ProviderClients } from './provider-clients';
import type { ProviderBatches } from './providers/types';

/** How long a batch job's output files are kept: as long as OpenAI keeps a batch's. */
export const OUTPUT_FILE_SECONDS = 30 * 86_400;

export interface ProviderBatchDeps {
  clients: ProviderClients;
  keyPools: KeyPools;
  /** Batches already submitted, for the retries of the activity that submitted them. */
  journal: CallJournal<SubmittedBatch>;
  batchItems: ResponseCacheStore<BatchJobItems>;
  files: ResponseCacheStore<StoredFile>;
  /** The response cache, where each answer is kept as a synchronous request's would be. */
  cache: ResponseCacheStore<CachedResponse>;
  logger: Logger;
}

/** The provider activities of a batch job: submit, poll, cancel and collect, each on the provider's queue. */
export function createBatchCalls(deps: ProviderBatchDeps) {
  return {
    /**
     * Sends the batch's uncached requests as one provider batch, with a key from the provider's pool; every later
     * call about it uses that key. A retry after the provider accepted the batch finds it in the journal instead
     * of creating (and paying for) a second one.
     */
    submitBatch(input: SubmitBatchInput): Promise<SubmittedBatch> {
      const context = Context.current();
      return withHeartbeat(context, async () => {
        const callId = CallJournal.idOf(context.info);
        const recalled = context.info.attempt > 1 ? await deps.journal.recall(callId) : null;
        if (recalled) return recalled;
        const submitted = await submit(deps, input, context);
        await deps.journal.record(callId, submitted);
        return submitted;
      });
    },

    /** The provider's state and counts of the batch. */
    batchStatus(input: BatchCallInput): Promise<ProviderBatchStatus> {
      return call(deps, input, 'status', (batches, signal) => batches.status({ batch: input.submitted.batch, signal }));
    },

    /** Asks the provider to stop the batch; what it already answered stays answered (and paid). */
    cancelBatch(input: BatchCallInput): Promise<ProviderBatchStatus> {
      return call(deps, input, 'cancel', (batches, signal) => batches.cancel({ batch: input.submitted.batch, signal }));
    },

    /**
     * Reads a finished batch's answers, puts them back in input order with the cached answers and the items the
     * provider refused, caches each answer, writes the job's output and error files (OpenAI's batch output format)
     * and prices every answer at the batch price.
     */
    async collectBatch(input: CollectBatchInput): Promise<CollectedBatch> {
      const prepared = await itemsOf(deps, input.itemsKey);
      const results =
        input.submitted.sent > 0
          ? await call(deps, input, 'results', (batches, signal) =>
              batches.results({ batch: input.submitted.batch, signal }),
            )
          : [];
      const byId = new Map<string, ProviderBatchResult>();
      for (const result of [...input.submitted.rejected, ...results]) byId.set(result.customId, result);
      const price = batchPrice(input.price);
      const output: string[] = [];
      const errors: string[] = [];
      const collected: CollectedBatch = {
        succeeded: 0,
        failed: 0,
        costUsd: 0,
        usage: { inputTokens: 0, outputTokens: 0 },
        outputFileId: null,
        errorFileId: null,
      };
      const cacheWrites: Array<Promise<void>> = [];
      prepared.items.forEach((item, index) => {
        const id = `batch_req_${input.jobId}_${index}`;
        const result: ProviderBatchResult | undefined = item.cached
          ? { customId: item.customId, ok: true, completion: item.cached.completion }
          : byId.get(item.customId);
        if (result?.ok) {
          collected.succeeded++;
          if (!item.cached) {
            const usage = result.completion.usage;
            collected.usage.inputTokens += usage.prompt_tokens;
            collected.usage.outputTokens += usage.completion_tokens;
            collected.costUsd += costOf(usage, price) ?? 0;
            if (item.cache) {
              const entry: CachedResponse = {
                completion: result.completion,
                providerId: input.providerId,
                model: input.submitted.batch.model,
              };
              cacheWrites.push(deps.cache.set(item.cache.key, entry, item.cache.ttlSeconds, item.cache.staleSeconds));
            }
          }
          const body = { status_code: 200, request_id: id, body: result.completion };
          output.push(JSON.stringify({ id, custom_id: item.customId, response: body, error: null }));
          return;
        }
        collected.failed++;
        const type = result ? result.error.type : 'BATCH_EXPIRED';
        const known = Object.values(FailureType).includes(type as FailureType);
        // Tenants see a fixed text per failure type: a provider's own text can name accounts or keys.
        const error = known
          ? { code: failureHttpOf(type).code, message: failureHttpOf(type).message ?? result?.error.message ?? '' }
          : { code: type.toLowerCase(), message: notRunMessage(type) };
        errors.push(JSON.stringify({ id, custom_id: item.customId, response: null, error }));
      });
      const cached = await Promise.allSettled(cacheWrites);
      if (cached.some((outcome) => outcome.status === 'rejected')) {
        deps.logger.warn({ jobId: input.jobId }, 'some batch answers not cached: the cache store failed');
      }
      collected.costUsd = Math.round(collected.costUsd * 1e8) / 1e8;
      collected.outputFileId = await writeFile(deps, input, 'output', output);
      collected.errorFileId = await writeFile(deps, input, 'errors', errors);
      return collected;
    },
  };
}

function notRunMessage(type: string): string {
  return type === 'BATCH_CANCELLED'
    ? 'The batch was cancelled before this request ran.'
    : 'The batch ended before this request ran.';
}

async function itemsOf(deps: ProviderBatchDeps, key: string): Promise<BatchJobItems> {
  const stored = await deps.batchItems.get(key);
  if (!stored) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidRequest,
      message: `The batch's requests are no longer in the file store (${key}).`,
      nonRetryable: true,
    });
  }
  return stored.value;
}

/** Writes one of the job's output files; null when it has no line. */
async function writeFile(
  deps: ProviderBatchDeps,
  input: CollectBatchInput,
  kind: 'output' | 'errors',
  lines: string[],
): Promise<string | null> {
  if (lines.length === 0) return null;
  const content = `${lines.join('\n')}\n`;
  const id = `file-${input.jobId}-${kind}`;
  const file: StoredFile = {
    id,
    tenantId: input.tenantId,
    filename: `${input.jobId}_${kind}.jsonl`,
    purpose: 'batch_output',
    bytes: Buffer.byteLength(content, 'utf8'),
    createdAt: Math.floor(Date.now() / 1000),
    content,
  };
  await deps.files.set(id, file, OUTPUT_FILE_SECONDS, 0);
  return id;
}

async function submit(deps: ProviderBatchDeps, input: SubmitBatchInput, context: Context): Promise<SubmittedBatch> {
  const prepared = await itemsOf(deps, input.itemsKey);
  const items = prepared.items.filter((item) => !item.cached);
  if (items.length === 0) {
    return { batch: { providerBatchId: '', model: input.model }, keyAlias: '', sent: 0, rejected: [] };
  }
  const signal = context.cancellationSignal;
  const attempt = context.info.attempt;
  const logFields: Record<string, unknown> = { jobId: input.jobId, provider: input.providerId, items: items.length };
  const started = performance.now();
  let pool: KeyPool | undefined;
  let lease: KeyLease | undefined;
  try {
    pool = deps.keyPools.pool(input.providerId);
    lease = await pool.acquireTokens(0);
    logFields.keyAlias = lease.alias;
    const batches = batchesOf(deps, input.providerId, lease.alias);
    const submission = await batches.submit({
      model: input.model,
      items: items.map((item) => ({ customId: item.customId, request: item.request })),
      metadata: { ...input.metadata, switchyard_job: input.jobId },
      signal,
    });
    deps.logger.info(
      { ...logFields, status: 'ok', providerBatchId: submission.batch.providerBatchId },
      'provider batch submitted',
    );
    return {
      batch: submission.batch,
      keyAlias: lease.alias,
      sent: items.length - submission.rejected.length,
      rejected: submission.rejected,
    };
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    const latencyMs = Math.round(performance.now() - started);
    throw await failedCallError({ err, signal, attempt, latencyMs, pool, lease, logger: deps.logger, logFields });
  }
}

/** One call about a submitted batch, with the key that created it. */
function call<T>(
  deps: ProviderBatchDeps,
  input: BatchCallInput,
  what: string,
  run: (batches: ProviderBatches, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const context = Context.current();
  return withHeartbeat(context, async () => {
    const signal = context.cancellationSignal;
    const logFields = { jobId: input.jobId, provider: input.providerId, batch: what };
    const started = performance.now();
    try {
      return await run(batchesOf(deps, input.providerId, input.submitted.keyAlias), signal);
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      const latencyMs = Math.round(performance.now() - started);
      throw await failedCallError({
        err,
        signal,
        attempt: context.info.attempt,
        latencyMs,
        pool: undefined,
        lease: undefined,
        logger: deps.logger,
        logFields,
      });
    }
  });
}

function batchesOf(deps: ProviderBatchDeps, providerId: string, keyAlias: string): ProviderBatches {
  const adapter = deps.clients.adapterFor(providerId, keyAlias);
  if (!adapter.batches) {
    throw ApplicationFailure.create({
      type: FailureType.NotConfigured,
      message: `Provider "${providerId}" (${adapter.type}) has no Batch API.`,
      nonRetryable: true,
    });
  }
  return adapter.batches;
}
