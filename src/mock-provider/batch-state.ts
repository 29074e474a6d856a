import { type AnthropicMessageBatch } from './anthropic/message-batch';
import { type ItemAnswerDeps } from './batch-item';
import { BoundedRecords } from './bounded-records';
import { type OpenAIBatchJob } from './openai/batch-job';
import { OpenAIFiles } from './openai/files';

/**
 * Batches kept per provider. Enough for any test or benchmark run; past it the oldest batch that has ended is
 * dropped, and while every one is still running a new one is refused as the real APIs refuse too much queued work.
 */
export const MAX_BATCHES = 1_000;

/** The batch APIs' state of one mock: OpenAI's files and batches, Anthropic's message batches. */
export class MockBatches {
  readonly openaiFiles = new OpenAIFiles();
  readonly openai = new BoundedRecords<OpenAIBatchJob>(MAX_BATCHES, (batch) => batch.hasEnded(Date.now()));
  readonly anthropic = new BoundedRecords<AnthropicMessageBatch>(MAX_BATCHES, (batch) => batch.hasEnded(Date.now()));

  /** Answers every item that has come due, so the call log holds every call made by now. */
  settleAll(deps: ItemAnswerDeps, now: number): void {
    for (const batch of this.openai.values()) batch.settle(deps, now);
    for (const batch of this.anthropic.values()) batch.settle(deps, now);
  }

  clear(): void {
    this.openaiFiles.clear();
    this.openai.clear();
    this.anthropic.clear();
  }
}
