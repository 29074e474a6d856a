import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { CachedEmbedding } from '../src/contract/cached-embedding';
import type { EmbedTextsInput, EmbedTextsResult } from '../src/contract/embedding-batch';
import { FailureType } from '../src/contract/failure-types';
import type { ResponseCacheStore } from '../src/stores/cache/contract';
import { CallJournal } from './call-journal';
import { failedCallError } from './failed-call';
import { withHeartbeat } from './heartbeat';
import type { KeyLease, KeyPool, KeyPools } from './key-pool';
import type { ProviderClients } from './provider-clients';
import { float32Base64 } from '../src/codec/vector-encoding';

export interface EmbedTextsDeps {
  clients: ProviderClients;
  keyPools: KeyPools;
  /** Answers already received, for the retries of the activity that received them. */
  journal: CallJournal<EmbedTextsResult>;
  /** Where each vector is cached for the requests that embed the same text later. */
  embeddings: ResponseCacheStore<CachedEmbedding>;
  logger: Logger;
}

/**
 * Embeds a batch's texts in one provider call, with a key from the provider's pool, and caches each vector the
 * batch asked to. Heartbeats while it waits, so a dead worker's call is retried elsewhere; a retry after the
 * provider answered finds the answer in the journal instead of paying for it again.
 */
export async function embedTexts(deps: EmbedTextsDeps, input: EmbedTextsInput): Promise<EmbedTextsResult> {
  const context = Context.current();
  return withHeartbeat(context, async () => {
    const callId = CallJournal.idOf(context.info);
    const recalled = context.info.attempt > 1 ? await deps.journal.recall(callId) : null;
    const result = recalled ?? (await callProvider(deps, input, context));
    if (!recalled) await deps.journal.record(callId, result);
    await cacheVectors(deps, input, result);
    return result;
  });
}

async function callProvider(deps: EmbedTextsDeps, input: EmbedTextsInput, context: Context): Promise<EmbedTextsResult> {
  const attempt = context.info.attempt;
  const signal = context.cancellationSignal;
  const logFields: Record<string, unknown> = {
    batchId: input.batchId,
    provider: input.providerId,
    model: input.model,
    texts: input.texts.length,
    attempt,
  };
  const started = performance.now();
  let pool: KeyPool | undefined;
  let lease: KeyLease | undefined;
  try {
    pool = deps.keyPools.pool(input.providerId);
    lease = await pool.acquireTokens(inputBytes(input.texts));
    logFields.keyAlias = lease.alias;
    const adapter = deps.clients.adapterFor(input.providerId, lease.alias);
    if (!adapter.embed) {
      throw ApplicationFailure.create({
        type: FailureType.NotConfigured,
        message: `Provider "${input.providerId}" (${adapter.type}) has no embeddings API.`,
        nonRetryable: true,
      });
    }
    const answer = await adapter.embed({
      model: input.model,
      input: input.texts,
      ...(input.dimensions !== undefined ? { dimensions: input.dimensions } : {}),
      signal,
      ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
    });
    const latencyMs = Math.round(performance.now() - started);
    // Paid for from here on: bookkeeping that fails must not fail the activity, or its retry would pay again.
    try {
      await pool.settle(lease, answer.inputTokens);
    } catch (err) {
      deps.logger.warn({ ...logFields, err }, 'key usage not settled: the key state store is unavailable');
    }
    deps.logger.info({ ...logFields, status: 'ok', latencyMs, inputTokens: answer.inputTokens }, 'provider call');
    return {
      model: answer.model,
      vectors: answer.vectors.map(float32Base64),
      inputTokens: answer.inputTokens,
      latencyMs,
      keyAlias: lease.alias,
    };
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    const latencyMs = Math.round(performance.now() - started);
    throw await failedCallError({ err, signal, attempt, latencyMs, pool, lease, logger: deps.logger, logFields });
  }
}

/** Caches the vectors the batch asked to; a store that fails is logged, as the answer is paid for and returned. */
async function cacheVectors(deps: EmbedTextsDeps, input: EmbedTextsInput, result: EmbedTextsResult): Promise<void> {
  const writes: Array<Promise<void>> = [];
  input.cache.forEach((plan, i) => {
    const vector = result.vectors[i];
    if (!plan || vector === undefined) return;
    const entry: CachedEmbedding = { vector, model: result.model, providerId: input.providerId };
    writes.push(deps.embeddings.set(plan.key, entry, plan.ttlSeconds, plan.staleSeconds));
  });
  const failed = (await Promise.allSettled(writes)).find((outcome) => outcome.status === 'rejected');
  if (failed) {
    deps.logger.warn({ batchId: input.batchId, err: failed.reason }, 'embeddings not cached: the cache store failed');
  }
}

/** The texts' UTF-8 bytes: what the call may cost the key's tokens-per-minute limit at most. */
function inputBytes(texts: readonly string[]): number {
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  return bytes;
}
