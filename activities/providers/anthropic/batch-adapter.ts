import type Anthropic from '@anthropic-ai/sdk';
import { FailureType } from '../../../src/contract/failure-types';
import {
  FINAL_BATCH_STATES,
  type ProviderBatchResult,
  type ProviderBatchStatus,
  type ProviderBatchSubmission,
} from '../../../src/contract/provider-batch';
import { malformedResponse } from '../classify-error';
import { type CallBounds, guardedCall } from '../guarded-call';
import { stringField } from '../json-fields';
import { ProviderError } from '../provider-error';
import type { BatchCallInput, BatchSubmitInput, ProviderBatches, ProviderConnection } from '../types';
import { fromMessageBatch, fromMessageBatchResult, toMessageBatchRequests } from './batch-wire';
import { classifyAnthropicError } from './errors';

/** The Message Batches API over the adapter's SDK client (`messages.batches.*`). */
export function createAnthropicBatches(client: Anthropic, connection: ProviderConnection): ProviderBatches {
  const bounds = ({ signal, timeoutMs }: { signal?: AbortSignal; timeoutMs?: number }): CallBounds => ({
    connectionTimeoutMs: connection.timeoutMs,
    timeoutMs,
    signal,
  });

  async function status(input: BatchCallInput): Promise<ProviderBatchStatus> {
    const raw = await guardedCall(bounds(input), classifyAnthropicError, (signal) =>
      client.messages.batches.retrieve(input.batch.providerBatchId, {}, { signal }),
    );
    return fromMessageBatch(raw);
  }

  return {
    async submit(input: BatchSubmitInput): Promise<ProviderBatchSubmission> {
      const { model, items } = input;
      const { requests, resultHints, rejected } = toMessageBatchRequests(model, items, connection.defaultMaxTokens);
      if (requests.length === 0) {
        const why = rejected[0]?.ok === false ? `: ${rejected[0].error.message}` : '';
        throw new ProviderError(FailureType.InvalidRequest, `The batch has no item that can be sent${why}`);
      }
      const created = await guardedCall(bounds(input), classifyAnthropicError, (signal) =>
        client.messages.batches.create({ requests }, { signal }),
      );
      const providerBatchId = stringField(created, 'id');
      if (providerBatchId === undefined) throw malformedResponse('the created message batch has no id');
      const hinted = Object.keys(resultHints).length > 0;
      return { batch: { providerBatchId, model, ...(hinted && { resultHints }) }, rejected };
    },

    status,

    async results(input: BatchCallInput): Promise<ProviderBatchResult[]> {
      // Checked first: the SDK's own complaint about a batch without results is not an HTTP error, and would
      // be classified as a retryable transport failure.
      const current = await status(input);
      if (!FINAL_BATCH_STATES.includes(current.state)) {
        throw new ProviderError(
          FailureType.InvalidRequest,
          `Batch ${input.batch.providerBatchId} has no results yet: it is ${current.state}`,
        );
      }
      const { providerBatchId, model, resultHints } = input.batch;
      const lines = await guardedCall(bounds(input), classifyAnthropicError, async (signal) => {
        const collected: unknown[] = [];
        for await (const line of await client.messages.batches.results(providerBatchId, {}, { signal })) {
          collected.push(line);
        }
        return collected;
      });
      return (lines as unknown[]).map((line) => fromMessageBatchResult(line, model, resultHints));
    },

    async cancel(input: BatchCallInput): Promise<ProviderBatchStatus> {
      try {
        const raw = await guardedCall(bounds(input), classifyAnthropicError, (signal) =>
          client.messages.batches.cancel(input.batch.providerBatchId, {}, { signal }),
        );
        return fromMessageBatch(raw);
      } catch (error) {
        // A batch that has already ended cannot be cancelled; the caller only wanted it stopped.
        if (!(error instanceof ProviderError) || error.type !== FailureType.InvalidRequest) throw error;
        const current = await status(input);
        if (FINAL_BATCH_STATES.includes(current.state)) return current;
        throw error;
      }
    },
  };
}
