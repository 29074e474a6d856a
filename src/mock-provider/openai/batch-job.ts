import { type BatchTimeline, itemsAnsweredBy, unixSeconds } from '../batch-clock';
import { answerBatchItem, type ItemAnswerDeps, type ItemOutcome } from '../batch-item';
import { fnv1a } from '../prng';
import { type MockEndpoint } from '../provider';
import { type BatchInput } from './batch-input';
import { type OpenAIFiles } from './files';
import { openaiChat, openaiEmbeddings } from './routes';
import { openaiWire } from './wire';

/** The endpoints a batch may target, and the synchronous endpoint that answers each of its items. */
export const BATCH_ENDPOINTS: ReadonlyMap<string, MockEndpoint> = new Map([
  ['/v1/chat/completions', openaiChat],
  ['/v1/embeddings', openaiEmbeddings],
]);

/** The statuses of the real Batch API. */
export type OpenAIBatchStatus =
  'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

const ENDED: ReadonlySet<OpenAIBatchStatus> = new Set(['failed', 'completed', 'expired', 'cancelled']);

/** What a batch is created from. */
export interface OpenAIBatchSpec {
  id: string;
  /** `/v1/chat/completions` or `/v1/embeddings`. */
  endpoint: string;
  inputFileId: string;
  metadata: Record<string, string> | null;
  /** The key that created the batch: its items are logged as that key's calls. */
  apiKey: string;
  input: BatchInput;
  timeline: BatchTimeline;
}

/** Where an item's line goes once the batch ends: the output file, or the error file. */
type ItemLine = { file: 'output' | 'error'; line: Record<string, unknown> };

/**
 * One batch of the OpenAI Batch API. Its status and progress are read off its timeline, and the items that
 * have come due since the last look are answered (and logged) when the batch is looked at, so each item is
 * answered exactly once and nothing runs between requests.
 */
export class OpenAIBatchJob {
  /** Outcomes of the items answered so far, in input order. */
  private readonly outcomes: ItemOutcome[] = [];
  private cancelledAt: number | undefined;
  /** Set once the batch has ended and its files are written; null when that file has no line. */
  private files: { output: string | null; error: string | null } | undefined;

  constructor(readonly spec: OpenAIBatchSpec) {}

  get id(): string {
    return this.spec.id;
  }

  status(now: number): OpenAIBatchStatus {
    const { timeline: t, input } = this.spec;
    if (this.cancelledAt !== undefined) return now < this.cancelledAt + t.windDownMs ? 'cancelling' : 'cancelled';
    if (!input.ok) return now < t.startsAt ? 'validating' : 'failed';
    if (t.expiresAt < t.processedAt && now >= t.expiresAt) return 'expired';
    if (now < t.startsAt) return 'validating';
    if (now < t.processedAt) return 'in_progress';
    return now < t.completesAt ? 'finalizing' : 'completed';
  }

  hasEnded(now: number): boolean {
    return ENDED.has(this.status(now));
  }

  /**
   * Stops the batch: items already due keep their answers, the rest are never answered.
   * @returns false when the batch has already ended, which the real API refuses to cancel.
   */
  cancel(deps: ItemAnswerDeps, now: number): boolean {
    const status = this.status(now);
    if (ENDED.has(status)) return false;
    if (status === 'cancelling') return true;
    this.settle(deps, now);
    this.cancelledAt = now;
    return true;
  }

  /** Answers the items that have come due since the last look. */
  settle(deps: ItemAnswerDeps, now: number): void {
    const { input, timeline, apiKey } = this.spec;
    if (!input.ok) return;
    const endpoint = BATCH_ENDPOINTS.get(this.spec.endpoint);
    if (endpoint === undefined) return;
    const due = itemsAnsweredBy(timeline, now, this.cancelledAt);
    for (let index = this.outcomes.length; index < due; index++) {
      const line = input.lines[index];
      if (line === undefined) break;
      this.outcomes.push(answerBatchItem(deps, { endpoint, body: line.body, apiKey, logAs: 'openai.batch' }));
    }
  }

  /** The `Batch` object of the real API as of `now`; the output and error files are written when it has ended. */
  toObject(deps: ItemAnswerDeps, files: OpenAIFiles, now: number): Record<string, unknown> {
    this.settle(deps, now);
    const { spec } = this;
    const { timeline: t, input } = spec;
    const status = this.status(now);
    if (ENDED.has(status) && this.files === undefined) this.files = this.writeFiles(deps, files, status, now);
    const stop = Math.min(this.cancelledAt ?? Infinity, t.expiresAt);
    const reached = (at: number): number | null => (input.ok && now >= at && at <= stop ? unixSeconds(at) : null);
    const at = (is: boolean, ms: number): number | null => (is ? unixSeconds(ms) : null);
    // Once stopped, a valid file's items are all accounted for (answered, failed, or in the error file as not
    // run), even when the stop came before validation had finished.
    const counted = input.ok && (now >= t.startsAt || now >= stop);
    return {
      id: spec.id,
      object: 'batch',
      endpoint: spec.endpoint,
      model: input.ok ? modelOf(input.lines[0]?.body.model) : null,
      errors: status === 'failed' && !input.ok ? { object: 'list', data: input.errors } : null,
      input_file_id: spec.inputFileId,
      completion_window: '24h',
      status,
      output_file_id: this.files?.output ?? null,
      error_file_id: this.files?.error ?? null,
      created_at: unixSeconds(t.createdAt),
      in_progress_at: reached(t.startsAt),
      expires_at: unixSeconds(t.expiresAt),
      finalizing_at: reached(t.processedAt),
      completed_at: at(status === 'completed', t.completesAt),
      failed_at: at(status === 'failed', t.startsAt),
      expired_at: at(status === 'expired', t.expiresAt),
      cancelling_at: this.cancelledAt === undefined ? null : unixSeconds(this.cancelledAt),
      cancelled_at: at(status === 'cancelled', (this.cancelledAt ?? 0) + t.windDownMs),
      request_counts: {
        total: counted ? t.total : 0,
        completed: this.outcomes.filter((outcome) => outcome.kind === 'answered').length,
        failed: this.outcomes.filter((outcome) => outcome.kind !== 'answered').length,
      },
      usage: this.usage(),
      metadata: spec.metadata,
    };
  }

  /** Tokens of the answered items, as the real API sums them for batches. */
  private usage(): Record<string, unknown> {
    let input = 0;
    let output = 0;
    for (const outcome of this.outcomes) {
      if (outcome.kind !== 'answered') continue;
      const usage = openaiWire.reportedUsage(outcome.body);
      input += usage.promptTokens;
      output += usage.completionTokens;
    }
    return {
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + output,
    };
  }

  /**
   * The output file (answered items) and the error file (items the endpoint rejected, that timed out, or that
   * were never run because the batch was cancelled or expired), each only when it has a line, as the real API
   * writes them. The not-run items are in the error file but in neither count, as on the real API.
   */
  private writeFiles(
    deps: ItemAnswerDeps,
    files: OpenAIFiles,
    status: OpenAIBatchStatus,
    now: number,
  ): { output: string | null; error: string | null } {
    const { input } = this.spec;
    if (!input.ok) return { output: null, error: null };
    const output: string[] = [];
    const errors: string[] = [];
    // A fixed order that is not the input order, since the real API promises none: callers must match lines to
    // requests by custom_id.
    const order = input.lines.map(({ customId }, index) => ({ customId, index, key: fnv1a(customId) }));
    order.sort((a, b) => a.key - b.key);
    for (const { customId, index } of order) {
      const { file, line } = this.itemLine(customId, index, status);
      (file === 'output' ? output : errors).push(JSON.stringify(line));
    }
    const write = (lines: string[], kind: string): string | null =>
      lines.length === 0
        ? null
        : files.add(deps.nextSequence(), `${this.id}_${kind}.jsonl`, 'batch_output', `${lines.join('\n')}\n`, now).id;
    return { output: write(output, 'output'), error: write(errors, 'error') };
  }

  private itemLine(customId: string, index: number, status: OpenAIBatchStatus): ItemLine {
    const id = `batch_req_${this.id.slice('batch_'.length)}${index.toString(16).padStart(6, '0')}`;
    const outcome = this.outcomes[index];
    const failed = (code: string, message: string): ItemLine => ({
      file: 'error',
      line: { id, custom_id: customId, response: null, error: { code, message } },
    });
    if (outcome === undefined) {
      return status === 'expired'
        ? failed('batch_expired', 'This request could not be executed before the completion window expired.')
        : failed('batch_cancelled', 'This request was not executed because the batch was cancelled.');
    }
    switch (outcome.kind) {
      case 'answered':
        return {
          file: 'output',
          line: {
            id,
            custom_id: customId,
            response: { status_code: 200, request_id: outcome.requestId, body: outcome.body },
            error: null,
          },
        };
      case 'rejected':
        return {
          file: 'error',
          line: {
            id,
            custom_id: customId,
            response: { status_code: outcome.reply.status, request_id: outcome.requestId, body: outcome.reply.body },
            error: null,
          },
        };
      case 'timed-out':
        return failed('request_timeout', 'The request to the model timed out.');
    }
  }
}

function modelOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
