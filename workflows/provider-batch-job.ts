import {
  ApplicationFailure,
  CancellationScope,
  type ActivityOptions,
  defineQuery,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProviderActivities } from '../src/contract/activities';
import type {
  BatchCallInput,
  BatchJobInput,
  BatchJobResult,
  BatchJobStatus,
  CollectedBatch,
  SubmittedBatch,
} from '../src/contract/batch-job';
import { FailureType } from '../src/contract/failure-types';
import { STATUS_QUERY } from '../src/contract/job';
import { FINAL_BATCH_STATES, type ProviderBatchStatus } from '../src/contract/provider-batch';
import * as attributes from '../src/contract/search-attributes';
import { settleSteps, storeSteps } from './local-activities';
import { overCapText } from './over-cap';
import { HEARTBEAT_TIMEOUT, PROVIDER_RETRY } from './provider-failures';

/** Live progress of a batch job, answered by the workflow. */
export const batchStatusQuery = defineQuery<BatchJobStatus>(STATUS_QUERY);

/** The progress last kept in each run's memo (per status object: module state is shared between runs). */
const kept = new WeakMap<BatchJobStatus, string>();

/**
 * Keeps the progress in the workflow's memo, where the API reads it when no worker is there to answer the status
 * query (a worker restarting): a batch's counts never seem to go back. Written only when they change.
 */
function keepProgress(status: BatchJobStatus): void {
  const progress = {
    phase: status.phase,
    done: status.done,
    failed: status.failed,
    ...(status.providerState ? { providerState: status.providerState } : {}),
  };
  const text = JSON.stringify(progress);
  if (kept.get(status) === text) return;
  kept.set(status, text);
  upsertMemo({ progress });
}

/** What a batch the provider refused as a whole leaves to collect. */
const NOTHING_COLLECTED: CollectedBatch = {
  succeeded: 0,
  failed: 0,
  costUsd: 0,
  usage: { inputTokens: 0, outputTokens: 0 },
  outputFileId: null,
  errorFileId: null,
};

/** The provider activities a batch job calls. */
type BatchActivities = Pick<ProviderActivities, 'submitBatch' | 'batchStatus' | 'cancelBatch' | 'collectBatch'>;

/** Each poll waits half as long again as the one before, up to the job's `polling.maxSeconds`. */
const POLL_GROWTH = 1.5;

/**
 * A batch job: reserve the batch's worst case at the batch price, submit its requests to the provider's Batch API,
 * poll on durable timers (the wait grows from `polling.initialSeconds` to `polling.maxSeconds`: no busy loop, and a
 * worker or server restart only delays the next poll), then collect every answer into the job's output files and
 * charge what the answers cost at the batch price, once.
 *
 * Cancelling the job cancels the provider's batch; the answers the provider gave before it stopped are collected
 * and charged like any others, since they were paid for.
 */
export async function providerBatchJob(input: BatchJobInput): Promise<BatchJobResult> {
  const status: BatchJobStatus = {
    phase: 'reserving',
    total: input.total,
    done: 0,
    failed: 0,
    estimateUsd: input.estimateUsd,
  };
  setHandler(batchStatusQuery, () => status);
  const reservationId = `${input.jobId}@${workflowInfo().runId}`;
  const reserved = await storeSteps.reserveBudget({
    reservationId,
    tenantId: input.tenantId,
    amountUsd: input.estimateUsd,
    caps: input.caps,
    now: Date.now(),
  });
  if (!reserved.ok) {
    status.phase = 'failed';
    upsertSearchAttributes([{ key: attributes.STATUS, value: 'failed' }]);
    throw ApplicationFailure.create({
      type: FailureType.BudgetExceeded,
      message: `This batch would exceed ${overCapText(reserved)}.`,
      nonRetryable: true,
    });
  }

  let settled = false;
  try {
    const result = await runBatch(input, status, reservationId);
    settled = true;
    return result;
  } finally {
    if (!settled) await CancellationScope.nonCancellable(() => settleSteps.releaseBudget({ reservationId }));
  }
}

/** Runs `step` whatever happens to the job: every provider call and store step of a batch is one. */
function shielded<T>(step: () => Promise<T>): Promise<T> {
  return CancellationScope.nonCancellable(step);
}

/**
 * Everything after the reservation. Every step is shielded from cancellation: a cancellation request only ends
 * the wait between polls (see `waitForEnd`), so the batch is always settled whatever the caller does.
 */
async function runBatch(input: BatchJobInput, status: BatchJobStatus, reservationId: string): Promise<BatchJobResult> {
  const calls = providerActivities(input);
  status.phase = 'submitting';
  const submitted = await shielded(() =>
    calls.submitBatch({
      jobId: input.jobId,
      providerId: input.target.providerId,
      model: input.target.model,
      itemsKey: input.itemsKey,
      metadata: input.metadata,
    }),
  );
  const call: BatchCallInput = {
    jobId: input.jobId,
    tenantId: input.tenantId,
    providerId: input.target.providerId,
    submitted,
  };
  const cachedCount = input.total - submitted.sent - submitted.rejected.length;
  status.done = cachedCount;
  status.failed = submitted.rejected.length;

  let final: ProviderBatchStatus | undefined;
  let cancelled = false;
  if (submitted.sent > 0) {
    status.phase = 'running';
    keepProgress(status);
    ({ final, cancelled } = await waitForEnd(input, status, calls, call, submitted, cachedCount));
  }

  status.phase = 'collecting';
  const failedWhole = final?.state === 'failed';
  // A batch the provider refused as a whole ran none of its requests: nothing to collect, nothing to charge.
  const collected: CollectedBatch = failedWhole
    ? { ...NOTHING_COLLECTED, failed: input.total }
    : await shielded(() => calls.collectBatch({ ...call, itemsKey: input.itemsKey, price: input.target.price }));
  const { costUsd } = collected;
  await shielded(() => settleSteps.commitBudget({ reservationId, actualUsd: costUsd, tenantId: input.tenantId }));

  const state: BatchJobResult['state'] = failedWhole
    ? 'failed'
    : cancelled || final?.state === 'cancelled'
      ? 'cancelled'
      : final?.state === 'expired'
        ? 'expired'
        : 'completed';
  status.phase = state === 'expired' ? 'completed' : state;
  status.done = collected.succeeded;
  status.failed = collected.failed;
  status.costUsd = costUsd;
  upsertSearchAttributes([
    { key: attributes.STATUS, value: state },
    { key: attributes.COST_USD, value: costUsd },
  ]);
  return {
    ...collected,
    jobId: input.jobId,
    state,
    total: input.total,
    ...(failedWhole && final?.error ? { error: final.error } : {}),
    completedAt: Math.floor(Date.now() / 1000),
  };
}

/**
 * Polls until the provider's batch reaches a final state. The waits between polls are the only cancellable part
 * of the job: a cancellation asks the provider to stop the batch, and the polls go on (shielded) until it has.
 */
async function waitForEnd(
  input: BatchJobInput,
  status: BatchJobStatus,
  calls: BatchActivities,
  call: BatchCallInput,
  submitted: SubmittedBatch,
  cachedCount: number,
): Promise<{ final: ProviderBatchStatus; cancelled: boolean }> {
  let cancelled = false;
  let delaySeconds = input.polling.initialSeconds;
  const observe = (seen: ProviderBatchStatus) => {
    status.providerState = seen.state;
    status.done = cachedCount + seen.succeeded;
    status.failed = submitted.rejected.length + seen.failed;
    status.polledAt = Math.floor(Date.now() / 1000);
    keepProgress(status);
  };
  for (;;) {
    if (!cancelled) {
      try {
        await sleep(delaySeconds * 1000);
      } catch (err) {
        if (!isCancellation(err)) throw err;
        cancelled = true;
        status.phase = 'cancelling';
        keepProgress(status);
        observe(await shielded(() => calls.cancelBatch(call)));
      }
    } else {
      await shielded(() => sleep(delaySeconds * 1000));
    }
    const seen = await shielded(() => calls.batchStatus(call));
    observe(seen);
    if (FINAL_BATCH_STATES.includes(seen.state)) return { final: seen, cancelled };
    delaySeconds = Math.min(input.polling.maxSeconds, delaySeconds * POLL_GROWTH);
  }
}

/**
 * The batch's provider calls, on the provider's queue. A submit gives up after a few minutes of failures (nothing
 * is paid for then); once the batch is submitted, its polls and the collection retry for as long as the provider
 * is down, since the provider will charge for what it answers whether or not the job is still watching.
 */
function providerActivities(input: BatchJobInput): BatchActivities {
  const options: ActivityOptions = {
    taskQueue: input.target.taskQueue,
    // Uploading or downloading a large batch file takes longer than one chat call.
    startToCloseTimeout: Math.max(input.target.timeoutMs, 120_000) + 5_000,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
  };
  const submits = proxyActivities<ProviderActivities>({
    ...options,
    retry: { ...PROVIDER_RETRY, maximumAttempts: 20, maximumInterval: '60s' },
  });
  const follows = proxyActivities<ProviderActivities>({
    ...options,
    retry: { ...PROVIDER_RETRY, maximumAttempts: Number.POSITIVE_INFINITY, maximumInterval: '5m' },
  });
  // Proxies have no own properties to spread: each activity is picked by name.
  return {
    submitBatch: submits.submitBatch,
    batchStatus: follows.batchStatus,
    cancelBatch: follows.cancelBatch,
    collectBatch: follows.collectBatch,
  };
}
