import { type BatchTimeline, itemsAnsweredBy, rfc3339 } from '../batch-clock';
import { answerBatchItem, type ItemAnswerDeps, type ItemOutcome } from '../batch-item';
import { fnv1a } from '../prng';
import { anthropicMessages } from './routes';

/** The processing statuses of the real Message Batches API. */
export type ProcessingStatus = 'in_progress' | 'canceling' | 'ended';

/** One request of a batch: `{ custom_id, params }`, params being a Messages API request body. */
export interface MessageBatchRequest {
  customId: string;
  params: unknown;
}

/** What a batch is created from. */
export interface MessageBatchSpec {
  id: string;
  /** The key that created the batch: its items are logged as that key's calls. */
  apiKey: string;
  requests: MessageBatchRequest[];
  timeline: BatchTimeline;
}

/**
 * One batch of Anthropic's Message Batches API. Its status is read off its timeline, and the items that have
 * come due since the last look are answered (and logged) when the batch is looked at, so each item is answered
 * exactly once and nothing runs between requests. As the real API documents, `request_counts` keep every
 * request under `processing` until the whole batch has ended; only then are they tallied by result.
 */
export class AnthropicMessageBatch {
  /** Outcomes of the items answered so far, in request order. */
  private readonly outcomes: ItemOutcome[] = [];
  private cancelledAt: number | undefined;

  constructor(readonly spec: MessageBatchSpec) {}

  get id(): string {
    return this.spec.id;
  }

  /** When processing ended (or ends), had nothing else happened: the last item, expiry, or a cancel's wind-down. */
  private endsAt(): number {
    const { timeline: t } = this.spec;
    if (this.cancelledAt !== undefined) return this.cancelledAt + t.windDownMs;
    return Math.min(t.completesAt, t.expiresAt);
  }

  status(now: number): ProcessingStatus {
    if (now >= this.endsAt()) return 'ended';
    return this.cancelledAt === undefined ? 'in_progress' : 'canceling';
  }

  hasEnded(now: number): boolean {
    return this.status(now) === 'ended';
  }

  /**
   * Stops the batch: items already due keep their answers, the rest end up `canceled`.
   * @returns false when the batch has already ended, which the real API refuses to cancel.
   */
  cancel(deps: ItemAnswerDeps, now: number): boolean {
    const status = this.status(now);
    if (status === 'ended') return false;
    if (status === 'canceling') return true;
    this.settle(deps, now);
    this.cancelledAt = now;
    return true;
  }

  /** Answers the items that have come due since the last look. */
  settle(deps: ItemAnswerDeps, now: number): void {
    const { requests, timeline, apiKey } = this.spec;
    const due = itemsAnsweredBy(timeline, now, this.cancelledAt);
    for (let index = this.outcomes.length; index < due; index++) {
      const request = requests[index];
      if (request === undefined) break;
      this.outcomes.push(
        answerBatchItem(deps, { endpoint: anthropicMessages, body: request.params, apiKey, logAs: 'anthropic.batch' }),
      );
    }
  }

  /** The `MessageBatch` object of the real API as of `now`; `origin` prefixes its `results_url`. */
  toObject(deps: ItemAnswerDeps, origin: string, now: number): Record<string, unknown> {
    this.settle(deps, now);
    const { spec } = this;
    const status = this.status(now);
    const ended = status === 'ended';
    const counts = { processing: spec.requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (ended) {
      counts.processing = 0;
      for (const [index] of spec.requests.entries()) counts[this.resultType(index)]++;
    }
    return {
      id: spec.id,
      type: 'message_batch',
      processing_status: status,
      request_counts: counts,
      ended_at: ended ? rfc3339(this.endsAt()) : null,
      created_at: rfc3339(spec.timeline.createdAt),
      expires_at: rfc3339(spec.timeline.expiresAt),
      archived_at: null,
      cancel_initiated_at: this.cancelledAt === undefined ? null : rfc3339(this.cancelledAt),
      results_url: ended ? `${origin}/anthropic/v1/messages/batches/${encodeURIComponent(spec.id)}/results` : null,
    };
  }

  /**
   * The results file, one JSON line per request, or undefined while the batch has not ended. Lines come in
   * a fixed order that is not the request order, since the real API promises none: callers must match
   * results to requests by `custom_id`.
   */
  results(deps: ItemAnswerDeps, now: number): string | undefined {
    this.settle(deps, now);
    if (!this.hasEnded(now)) return undefined;
    const lines = this.spec.requests.map(({ customId }, index) => ({
      order: fnv1a(customId),
      text: JSON.stringify({ custom_id: customId, result: this.result(index) }),
    }));
    lines.sort((a, b) => a.order - b.order);
    return lines.map((line) => `${line.text}\n`).join('');
  }

  private resultType(index: number): 'succeeded' | 'errored' | 'canceled' | 'expired' {
    const outcome = this.outcomes[index];
    if (outcome === undefined) return this.cancelledAt === undefined ? 'expired' : 'canceled';
    return outcome.kind === 'answered' ? 'succeeded' : 'errored';
  }

  private result(index: number): Record<string, unknown> {
    const outcome = this.outcomes[index];
    if (outcome === undefined) return { type: this.resultType(index) };
    switch (outcome.kind) {
      case 'answered':
        return { type: 'succeeded', message: outcome.body };
      case 'rejected':
        return { type: 'errored', error: outcome.reply.body };
      case 'timed-out':
        return {
          type: 'errored',
          error: {
            type: 'error',
            error: { type: 'timeout_error', message: 'The request to the model timed out.' },
            request_id: outcome.requestId,
          },
        };
    }
  }
}
