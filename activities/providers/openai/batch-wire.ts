/**
 * OpenAI's Batch API wire format: the JSONL input file built from the items, the `Batch` object read as a
 * status, and the lines of the output and error files read as results.
 */

import { APIError } from 'openai';
import { FailureType } from '../../../src/contract/failure-types';
import {
  BatchItemNotRun,
  customIdProblem,
  type ProviderBatchItem,
  type ProviderBatchResult,
  type ProviderBatchState,
  type ProviderBatchStatus,
} from '../../../src/contract/provider-batch';
import { malformedResponse } from '../classify-error';
import { isRecord, numberField, parseJsonSafely, stringField } from '../json-fields';
import { ProviderError } from '../provider-error';
import { classifyOpenAIError } from './errors';
import { type OpenAIWireType, toChatCompletion, toOpenAIRequest } from './wire';

/** The endpoint every line of a chat batch names. */
export const CHAT_BATCH_ENDPOINT = '/v1/chat/completions';

/** Problems listed in a failed batch's status message; the rest are counted. */
const MAX_LISTED_ERRORS = 3;

/** The input file's text, and the items that were left out of it. */
export interface BatchInputFile {
  jsonl: string;
  /** How many items the file holds. */
  count: number;
  rejected: ProviderBatchResult[];
}

/**
 * The JSONL input file for `items`: one `{ custom_id, method, url, body }` line each, the body being exactly
 * what a synchronous call of the same request sends. Items whose customId is unusable are left out.
 */
export function toBatchInputFile(
  type: OpenAIWireType,
  model: string,
  items: readonly ProviderBatchItem[],
  defaultMaxTokens?: number,
): BatchInputFile {
  const lines: string[] = [];
  const rejected: ProviderBatchResult[] = [];
  const taken = new Set<string>();
  for (const { customId, request } of items) {
    const problem = customIdProblem(customId, taken);
    if (problem !== undefined) {
      rejected.push({ customId, ok: false, error: { type: FailureType.InvalidRequest, message: problem } });
      continue;
    }
    taken.add(customId);
    const body = toOpenAIRequest(type, model, request, defaultMaxTokens);
    lines.push(JSON.stringify({ custom_id: customId, method: 'POST', url: CHAT_BATCH_ENDPOINT, body }));
  }
  return { jsonl: lines.length === 0 ? '' : `${lines.join('\n')}\n`, count: lines.length, rejected };
}

const STATES: Readonly<Record<string, ProviderBatchState>> = {
  validating: 'in_progress',
  in_progress: 'in_progress',
  finalizing: 'finalizing',
  completed: 'ended',
  failed: 'failed',
  expired: 'expired',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
};

/** A `Batch` object's status, with the ids of its output and error files (null until it has them). */
export interface OpenAIBatchView {
  status: ProviderBatchStatus;
  outputFileId: string | null;
  errorFileId: string | null;
}

/**
 * Reads a `Batch` object. OpenAI counts the items it answered (`completed`) and those that failed; items a
 * cancel or the expiry stopped are in neither count, so they are what remains of the total once the batch
 * has ended.
 */
export function fromOpenAIBatch(raw: unknown): OpenAIBatchView {
  const status = stringField(raw, 'status');
  const state = status === undefined ? undefined : STATES[status];
  if (!isRecord(raw) || state === undefined) throw malformedResponse(`the batch has an unknown status '${status}'`);
  const counts = raw['request_counts'];
  const total = numberField(counts, 'total') ?? 0;
  const succeeded = numberField(counts, 'completed') ?? 0;
  const failed = numberField(counts, 'failed') ?? 0;
  const notRun = Math.max(0, total - succeeded - failed);
  const error = state === 'failed' ? batchErrors(raw['errors']) : undefined;
  return {
    status: {
      state,
      total,
      succeeded,
      failed,
      cancelled: state === 'cancelled' ? notRun : 0,
      expired: state === 'expired' ? notRun : 0,
      ...(error !== undefined && { error }),
    },
    outputFileId: stringField(raw, 'output_file_id') ?? null,
    errorFileId: stringField(raw, 'error_file_id') ?? null,
  };
}

/** A failed batch's `errors.data` as one message: `line 2: This line is not parseable as valid JSON.` */
function batchErrors(raw: unknown): string {
  const data = isRecord(raw) && Array.isArray(raw['data']) ? (raw['data'] as unknown[]) : [];
  const messages = data.map((entry) => {
    const line = numberField(entry, 'line');
    const message = stringField(entry, 'message') ?? stringField(entry, 'code') ?? 'invalid input';
    return line === undefined ? message : `line ${line}: ${message}`;
  });
  if (messages.length === 0) return 'The provider failed the batch without saying why';
  const more = messages.length - MAX_LISTED_ERRORS;
  return messages.slice(0, MAX_LISTED_ERRORS).join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/**
 * Reads an output or error file: one result per line. A line is a success when its response has status 200;
 * a response with another status is the endpoint's rejection, classified as the same answer to a synchronous
 * call would be; a line without a response names why the item was not run (cancelled, expired) or timed out.
 */
export function fromBatchOutputFile(text: string, model: string): ProviderBatchResult[] {
  const results: ProviderBatchResult[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseJsonSafely(line);
    const customId = stringField(entry, 'custom_id');
    if (!isRecord(entry) || customId === undefined) throw malformedResponse('a batch result line has no custom_id');
    results.push(fromOutputLine(customId, entry, model));
  }
  return results;
}

function fromOutputLine(customId: string, entry: Record<string, unknown>, model: string): ProviderBatchResult {
  const response = entry['response'];
  const statusCode = numberField(response, 'status_code');
  if (isRecord(response) && statusCode !== undefined) {
    const body = response['body'];
    if (statusCode === 200) {
      try {
        return { customId, ok: true, completion: toChatCompletion(body, model) };
      } catch (error) {
        if (error instanceof ProviderError) return failure(customId, error);
        throw error;
      }
    }
    // Classified by the same mapping as a synchronous call's error, so a batch item's 429 or content-policy
    // rejection means what it would mean anywhere else.
    const rejection = APIError.generate(statusCode, isRecord(body) ? body : undefined, undefined, new Headers());
    return failure(customId, classifyOpenAIError(rejection));
  }
  const code = stringField(entry['error'], 'code');
  const message = stringField(entry['error'], 'message') ?? code ?? 'The item has no response';
  switch (code) {
    case 'batch_cancelled':
      return { customId, ok: false, error: { type: BatchItemNotRun.Cancelled, message, providerCode: code } };
    case 'batch_expired':
      return { customId, ok: false, error: { type: BatchItemNotRun.Expired, message, providerCode: code } };
    case 'request_timeout':
      return { customId, ok: false, error: { type: FailureType.Timeout, message, providerCode: code } };
    default:
      return {
        customId,
        ok: false,
        error: { type: FailureType.ServerError, message, ...(code !== undefined && { providerCode: code }) },
      };
  }
}

function failure(customId: string, error: ProviderError): ProviderBatchResult {
  const { providerCode } = error.details;
  return {
    customId,
    ok: false,
    error: { type: error.type, message: error.message, ...(providerCode !== undefined && { providerCode }) },
  };
}
