import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  isCancellation,
  makeContinueAsNewFunc,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import * as attributes from '../src/contract/search-attributes';
import { STATUS_QUERY } from '../src/contract/job';
import type {
  BulkReplayActivities,
  BulkReplayInput,
  BulkReplayProgress,
  BulkReplayReport,
  ReplayTarget,
} from '../src/contract/bulk-replay';

/** Live counts of a bulk replay, answered by the workflow (the latest run, after a continue-as-new). */
export const bulkReplayStatusQuery = defineQuery<BulkReplayProgress>(STATUS_QUERY);

/** Jobs one run replays before it continues as new: keeps each run's history to a few thousand events. */
export const JOBS_PER_RUN = 250;

/** Replays started at once; the pause after each batch keeps the average at `perSecond`. */
const MAX_BATCH = 10;

const { snapshotReplayJobs } = proxyActivities<BulkReplayActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

// A failure that no retry fixes (REPLAY_REJECTED) is raised non-retryable by the activity itself.
const { startReplay } = proxyActivities<BulkReplayActivities>({
  // Short: a worker that dies mid-start is noticed soon, and the retry finds the replay already started.
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', maximumInterval: '10s', maximumAttempts: 5 },
});

/**
 * Replays the jobs a filter matched: snapshots their ids first (so the replays it starts never match), then starts
 * one replay per job in small batches, paced by durable timers. Each replay is an ordinary job that reserves its own
 * budget; its id is derived from this workflow's and the original's, so a retried step never starts it twice.
 */
export async function bulkReplay(input: BulkReplayInput): Promise<BulkReplayReport> {
  const report: BulkReplayReport = input.carried?.report ?? { replayed: [], skipped: [], failed: [] };
  const progress: BulkReplayProgress = {
    matched: input.carried?.matched ?? 0,
    replayed: report.replayed.length,
    skipped: report.skipped.length,
    failed: report.failed.length,
  };
  setHandler(bulkReplayStatusQuery, () => progress);
  try {
    let pending: ReplayTarget[];
    if (input.carried) {
      pending = input.carried.pending;
    } else {
      pending = await snapshotReplayJobs({ query: input.query, maxJobs: input.maxJobs });
      progress.matched = pending.length;
    }
    const batchSize = Math.max(1, Math.min(MAX_BATCH, Math.floor(input.perSecond)));
    const perRun = input.jobsPerRun ?? JOBS_PER_RUN;
    let handled = 0;
    while (pending.length > 0) {
      if (handled >= perRun) {
        const info = workflowInfo();
        // The memo and search attributes name the bulk replay for the API: the next run keeps them.
        await makeContinueAsNewFunc<typeof bulkReplay>({
          memo: info.memo ?? {},
          typedSearchAttributes: info.typedSearchAttributes,
        })({ ...input, carried: { pending, matched: progress.matched, report } });
      }
      const batch = pending.slice(0, Math.min(batchSize, perRun - handled));
      pending = pending.slice(batch.length);
      handled += batch.length;
      await Promise.all(batch.map((target) => replayOne(input, target, report, progress)));
      if (pending.length > 0) await sleep(Math.ceil((batch.length * 1000) / input.perSecond));
    }
    upsertSearchAttributes([{ key: attributes.STATUS, value: 'completed' }]);
    return report;
  } catch (err) {
    upsertSearchAttributes([{ key: attributes.STATUS, value: isCancellation(err) ? 'cancelled' : 'failed' }]);
    throw err;
  }
}

async function replayOne(
  input: BulkReplayInput,
  target: ReplayTarget,
  report: BulkReplayReport,
  progress: BulkReplayProgress,
): Promise<void> {
  try {
    const result = await startReplay({ bulkId: input.bulkId, target, overrides: input.overrides });
    if ('replayId' in result) {
      report.replayed.push({ job_id: target.jobId, replay_id: result.replayId });
      progress.replayed++;
    } else {
      report.skipped.push({ job_id: target.jobId, reason: result.skipped });
      progress.skipped++;
    }
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const message = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
    report.failed.push({ job_id: target.jobId, error: message });
    progress.failed++;
  }
}
