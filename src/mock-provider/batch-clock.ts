/**
 * When a batch's items come due and when the batch ends. Everything is computed from timestamps on read, so
 * a batch needs no timer: nothing runs in the background and a closed mock leaves nothing behind.
 */

/** Share of the completion time OpenAI spends validating the input file before the first item is answered. */
const VALIDATING_SHARE = 0.1;
/** Share of the completion time spent finalizing after the last item (and winding down after a cancel). */
const FINALIZING_SHARE = 0.1;

/** The fixed moments of one batch, in epoch milliseconds. */
export interface BatchTimeline {
  createdAt: number;
  /** The first moment an item can be answered. */
  startsAt: number;
  /** The last item comes due; items come due evenly between `startsAt` and this. */
  processedAt: number;
  /** The batch ends of its own accord, unless it was cancelled or expired before. */
  completesAt: number;
  /** Items not due by then are never answered. */
  expiresAt: number;
  /** How long a cancelled batch takes to wind down. */
  windDownMs: number;
  total: number;
}

/** How the batch APIs differ in pacing: OpenAI validates and finalizes around the processing, Anthropic does not. */
export type BatchPacing = 'openai' | 'anthropic';

/** The timeline of a batch of `total` items submitted at `createdAt` under the mock's current settings. */
export function batchTimeline(
  pacing: BatchPacing,
  createdAt: number,
  total: number,
  completionMs: number,
  expiryMs: number,
): BatchTimeline {
  const windDownMs = completionMs * FINALIZING_SHARE;
  const startsAt = pacing === 'openai' ? createdAt + completionMs * VALIDATING_SHARE : createdAt;
  const completesAt = createdAt + completionMs;
  const processedAt = pacing === 'openai' ? completesAt - windDownMs : completesAt;
  return { createdAt, startsAt, processedAt, completesAt, expiresAt: createdAt + expiryMs, windDownMs, total };
}

/** How many items (counted from the first) have come due by `at`. */
function itemsDueBy(timeline: BatchTimeline, at: number): number {
  const { startsAt, processedAt, total } = timeline;
  if (at < startsAt) return 0;
  if (at >= processedAt) return total;
  return Math.min(total, Math.floor(((at - startsAt) * total) / (processedAt - startsAt)));
}

/** When processing stops short of the last item: at a cancel or at expiry, whichever comes first. */
function stopsAt(timeline: BatchTimeline, cancelledAt: number | undefined): number {
  return Math.min(cancelledAt ?? Infinity, timeline.expiresAt);
}

/** Items answered by `now`: those due before processing stopped. */
export function itemsAnsweredBy(timeline: BatchTimeline, now: number, cancelledAt: number | undefined): number {
  return itemsDueBy(timeline, Math.min(now, stopsAt(timeline, cancelledAt)));
}

/** Whole seconds since the epoch, as OpenAI writes its timestamps. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** An RFC 3339 timestamp, as Anthropic writes its timestamps. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
