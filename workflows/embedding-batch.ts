import {
  ActivityCancellationType,
  CancellationScope,
  defineQuery,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import * as attributes from '../src/contract/search-attributes';
import type { ProviderActivities } from '../src/contract/activities';
import { costOf } from '../src/contract/cost';
import { FailureType } from '../src/contract/failure-types';
import { STATUS_QUERY } from '../src/contract/job';
import { tokenShares } from '../src/contract/token-shares';
import type {
  EmbeddingBatchInput,
  EmbeddingBatchResult,
  EmbeddingBatchStatus,
  EmbeddingItem,
  EmbeddingItemResult,
} from '../src/contract/embedding-batch';
import { settleSteps, storeSteps } from './local-activities';
import { overCapText } from './over-cap';
import {
  applicationFailureOf,
  failureTypeOf,
  HEARTBEAT_TIMEOUT,
  KEY_POOL_WAIT,
  keyPoolWaitOf,
  PROVIDER_RETRY,
} from './provider-failures';

/** Live progress of a batch, answered by the workflow. */
export const embeddingStatusQuery = defineQuery<EmbeddingBatchStatus>(STATUS_QUERY);

/**
 * One embeddings call for texts that arrived together from many requests: reserve each item's worst case (an item
 * whose tenant is over its cap fails alone, before anything is called), make one provider call for the rest, and
 * charge each item its share of the tokens the provider billed. A batch that the provider rejects as invalid is
 * split in halves until the items it rejects fail alone and the others are embedded.
 *
 * A batch is never cancelled halfway: it carries other callers' items, and it ends within one provider call. So
 * a paid call is always charged, and every reservation is committed or released before the workflow ends.
 */
export async function embeddingBatch(input: EmbeddingBatchInput): Promise<EmbeddingBatchResult> {
  const status: EmbeddingBatchStatus = { phase: 'reserving', total: input.items.length, done: 0, failed: 0 };
  setHandler(embeddingStatusQuery, () => status);
  return CancellationScope.nonCancellable(() => runBatch(input, status));
}

async function runBatch(input: EmbeddingBatchInput, status: EmbeddingBatchStatus): Promise<EmbeddingBatchResult> {
  const runId = workflowInfo().runId;
  const reservationOf = (item: EmbeddingItem) => `${input.batchId}@${runId}:${item.id}`;
  const results = new Map<string, EmbeddingItemResult>();
  const fail = (item: EmbeddingItem, failureType: FailureType, message: string) => {
    results.set(item.id, { id: item.id, ok: false, failureType, message });
    status.failed++;
  };

  const uncached: EmbeddingItem[] = [];
  for (const item of input.items) {
    if (item.cached === undefined) uncached.push(item);
    else results.set(item.id, { id: item.id, ok: true, vector: item.cached, tokens: 0, costUsd: 0 });
  }
  status.done = results.size;
  const now = Date.now();
  const outcomes =
    uncached.length === 0
      ? []
      : await storeSteps.reserveEach({
          reservations: uncached.map((item) => ({
            reservationId: reservationOf(item),
            tenantId: item.tenantId,
            amountUsd: item.estimateUsd,
            caps: item.caps,
            now,
          })),
        });
  const reserved: EmbeddingItem[] = [];
  uncached.forEach((item, i) => {
    const outcome = outcomes[i];
    if (outcome?.ok) reserved.push(item);
    else if (outcome) fail(item, FailureType.BudgetExceeded, `This request would exceed ${overCapText(outcome)}.`);
  });

  status.phase = 'calling_provider';
  const call = { count: 0, model: input.target.model };
  let settled = false;
  try {
    await embedGroup(input, reserved, call, (item, result) => {
      results.set(item.id, result);
      if (result.ok) status.done++;
      else status.failed++;
    });
    status.phase = 'settling';
    const commits = [];
    const releases = [];
    for (const item of reserved) {
      const result = results.get(item.id);
      if (result?.ok) {
        commits.push({ reservationId: reservationOf(item), actualUsd: result.costUsd ?? 0, tenantId: item.tenantId });
      } else {
        releases.push(reservationOf(item));
      }
    }
    await settleSteps.settleEach({ commits, releases });
    settled = true;
  } finally {
    // Only when something threw before the items were settled: nothing of theirs was charged.
    if (!settled) await settleSteps.settleEach({ commits: [], releases: reserved.map(reservationOf) });
  }
  status.phase = 'completed';
  const costUsd = [...results.values()].reduce((sum, r) => sum + (r.ok ? (r.costUsd ?? 0) : 0), 0);
  upsertSearchAttributes([
    { key: attributes.STATUS, value: 'completed' },
    { key: attributes.COST_USD, value: Math.round(costUsd * 1e8) / 1e8 },
    { key: attributes.CACHE_HIT, value: input.items.every((item) => item.cached !== undefined) },
  ]);
  return {
    model: call.model,
    items: input.items.map(
      (item) =>
        results.get(item.id) ?? {
          id: item.id,
          ok: false,
          failureType: FailureType.ServerError,
          message: 'The item was not embedded.',
        },
    ),
    providerCalls: call.count,
  };
}

/** Provider calls of one target: the retries are Temporal's, with a longer start-to-close for bigger batches. */
function embeddingActivities(input: EmbeddingBatchInput): ProviderActivities {
  return proxyActivities<ProviderActivities>({
    taskQueue: input.target.taskQueue,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    startToCloseTimeout: input.target.timeoutMs + 5_000,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { ...PROVIDER_RETRY, maximumAttempts: input.target.maxAttempts },
  });
}

/**
 * Embeds `items` in one call, waiting out a busy key pool on timers; when the provider rejects a group of more
 * than one item as invalid, embeds each half on its own, so one bad text cannot fail the texts beside it.
 */
async function embedGroup(
  input: EmbeddingBatchInput,
  items: EmbeddingItem[],
  call: { count: number; model: string },
  deliver: (item: EmbeddingItem, result: EmbeddingItemResult) => void,
): Promise<void> {
  if (items.length === 0) return;
  const { target } = input;
  const activities = embeddingActivities(input);
  let waited = 0;
  const startedAt = Date.now();
  for (;;) {
    call.count++;
    try {
      const answer = await activities.embedTexts({
        batchId: input.batchId,
        providerId: target.providerId,
        model: target.model,
        texts: items.map((item) => item.text),
        ...(input.dimensions !== undefined ? { dimensions: input.dimensions } : {}),
        timeoutMs: target.timeoutMs,
        cache: items.map((item) => item.cache),
      });
      call.model = answer.model;
      const shares = tokenShares(
        answer.inputTokens,
        items.map((item) => item.text.length),
      );
      items.forEach((item, i) => {
        const tokens = shares[i] ?? 0;
        const vector = answer.vectors[i];
        if (vector === undefined) {
          deliver(item, {
            id: item.id,
            ok: false,
            failureType: FailureType.MalformedResponse,
            message: 'The provider sent no vector for this input.',
          });
          return;
        }
        const costUsd = costOf({ prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens }, target.price);
        deliver(item, { id: item.id, ok: true, vector, tokens, costUsd });
      });
      return;
    } catch (err) {
      const wait = keyPoolWaitOf(err);
      if (
        wait !== null &&
        waited < KEY_POOL_WAIT.maxWaits &&
        Date.now() - startedAt + wait <= KEY_POOL_WAIT.maxTotalMs
      ) {
        // No call was made: Switchyard's own throttle, waited out on a durable timer.
        call.count--;
        waited++;
        await sleep(wait);
        continue;
      }
      const type = wait !== null ? FailureType.RateLimited : failureTypeOf(err);
      if (type === FailureType.InvalidRequest && items.length > 1) {
        const half = Math.ceil(items.length / 2);
        await embedGroup(input, items.slice(0, half), call, deliver);
        await embedGroup(input, items.slice(half), call, deliver);
        return;
      }
      const message = applicationFailureOf(err)?.message ?? (err instanceof Error ? err.message : String(err));
      for (const item of items) deliver(item, { id: item.id, ok: false, failureType: type, message });
      return;
    }
  }
}
