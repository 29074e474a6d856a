import type { ResponseCacheStore } from './cache/contract';

/** What a mark holds: when the cancellation was requested. */
export interface CancelMark {
  requestedAt: number;
}

/** Long enough for any call in flight to see the mark; the job's workflow learns of it within seconds anyway. */
const MARK_SECONDS = 3_600;

/**
 * Marks of jobs whose cancellation the API has requested, kept in the cache store. A provider call that runs as
 * a local activity learns of its workflow's cancellation only at the next workflow task, which a long call holds
 * open for seconds; the mark lets the call close its provider connection at once instead.
 */
export class CancelMarks {
  constructor(private readonly store: ResponseCacheStore<CancelMark>) {}

  /** Marks `jobId` as cancelled; call after Temporal accepted the cancellation request. */
  async mark(jobId: string, now = Date.now()): Promise<void> {
    await this.store.set(keyOf(jobId), { requestedAt: now }, MARK_SECONDS, 0, now);
  }

  /** Whether `jobId` has been marked; false when the store cannot say (the workflow's own cancel still comes). */
  async isMarked(jobId: string): Promise<boolean> {
    try {
      return (await this.store.get(keyOf(jobId))) !== null;
    } catch {
      return false;
    }
  }
}

function keyOf(jobId: string): string {
  return `cancel:${jobId}`;
}
