import type OpenAI from 'openai';
import { toFile } from 'openai';
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
import {
  CHAT_BATCH_ENDPOINT,
  fromBatchOutputFile,
  fromOpenAIBatch,
  type OpenAIBatchView,
  toBatchInputFile,
} from './batch-wire';
import { classifyOpenAIError } from './errors';
import type { OpenAIWireType } from './wire';

/**
 * The Batch API over the adapter's SDK client: the items go up as a JSONL file (`files.create`), the batch is
 * created on it, polled with `batches.retrieve`, and its answers are read from its output and error files.
 */
export function createOpenAIBatches(
  client: OpenAI,
  type: OpenAIWireType,
  connection: ProviderConnection,
): ProviderBatches {
  const bounds = ({ signal, timeoutMs }: { signal?: AbortSignal; timeoutMs?: number }): CallBounds => ({
    connectionTimeoutMs: connection.timeoutMs,
    timeoutMs,
    signal,
  });

  async function view(input: BatchCallInput): Promise<OpenAIBatchView> {
    const raw = await guardedCall(bounds(input), classifyOpenAIError, (signal) =>
      client.batches.retrieve(input.batch.providerBatchId, { signal }),
    );
    return fromOpenAIBatch(raw);
  }

  async function fileText(input: BatchCallInput, fileId: string | null): Promise<string> {
    if (fileId === null) return '';
    const text = await guardedCall(bounds(input), classifyOpenAIError, async (signal) =>
      (await client.files.content(fileId, { signal })).text(),
    );
    return typeof text === 'string' ? text : '';
  }

  return {
    async submit(input: BatchSubmitInput): Promise<ProviderBatchSubmission> {
      const { model, items, metadata } = input;
      const file = toBatchInputFile(type, model, items, connection.defaultMaxTokens);
      if (file.count === 0) {
        const why = file.rejected[0]?.ok === false ? `: ${file.rejected[0].error.message}` : '';
        throw new ProviderError(FailureType.InvalidRequest, `The batch has no item that can be sent${why}`);
      }
      const uploaded = await guardedCall(bounds(input), classifyOpenAIError, async (signal) =>
        client.files.create(
          { file: await toFile(Buffer.from(file.jsonl, 'utf8'), 'switchyard-batch.jsonl'), purpose: 'batch' },
          { signal },
        ),
      );
      const fileId = stringField(uploaded, 'id');
      if (fileId === undefined) throw malformedResponse('the uploaded file has no id');
      let created: unknown;
      try {
        created = await guardedCall(bounds(input), classifyOpenAIError, (signal) =>
          client.batches.create(
            {
              input_file_id: fileId,
              endpoint: CHAT_BATCH_ENDPOINT,
              completion_window: '24h',
              ...(metadata !== undefined && { metadata }),
            },
            { signal },
          ),
        );
      } catch (error) {
        // No batch will ever read the file: remove it rather than leave the prompts stored for 30 days.
        await client.files.delete(fileId).catch(() => undefined);
        throw error;
      }
      const providerBatchId = stringField(created, 'id');
      if (providerBatchId === undefined) throw malformedResponse('the created batch has no id');
      return { batch: { providerBatchId, model }, rejected: file.rejected };
    },

    async status(input: BatchCallInput): Promise<ProviderBatchStatus> {
      return (await view(input)).status;
    },

    async results(input: BatchCallInput): Promise<ProviderBatchResult[]> {
      const { status, outputFileId, errorFileId } = await view(input);
      if (!FINAL_BATCH_STATES.includes(status.state) || status.state === 'failed') {
        throw new ProviderError(
          FailureType.InvalidRequest,
          `Batch ${input.batch.providerBatchId} has no results: it is ${status.state}${status.error ? ` (${status.error})` : ''}`,
        );
      }
      const { model } = input.batch;
      const output = fromBatchOutputFile(await fileText(input, outputFileId), model);
      return [...output, ...fromBatchOutputFile(await fileText(input, errorFileId), model)];
    },

    async cancel(input: BatchCallInput): Promise<ProviderBatchStatus> {
      try {
        const raw = await guardedCall(bounds(input), classifyOpenAIError, (signal) =>
          client.batches.cancel(input.batch.providerBatchId, { signal }),
        );
        return fromOpenAIBatch(raw).status;
      } catch (error) {
        // OpenAI refuses to cancel a batch that has already ended; the caller only wanted it stopped.
        if (!(error instanceof ProviderError) || error.type !== FailureType.InvalidRequest) throw error;
        const { status } = await view(input);
        if (FINAL_BATCH_STATES.includes(status.state)) return status;
        throw error;
      }
    },
  };
}
