/**
 * Anthropic's Message Batches wire format: the `requests` built from the items, the `MessageBatch` object read
 * as a status, and the lines of the results file read as results.
 */

import type Anthropic from '@anthropic-ai/sdk';
import { APIError } from '@anthropic-ai/sdk';
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
import { isRecord, numberField, stringField } from '../json-fields';
import { ProviderError } from '../provider-error';
import { classifyAnthropicError } from './errors';
import { structuredOutputTool } from './tools';
import { fromAnthropicMessage, toAnthropicRequest } from './wire';

/** The `requests` of a batch, with what reading the answers back needs and the items left out. */
export interface MessageBatchRequests {
  requests: Anthropic.Messages.BatchCreateParams.Request[];
  /** The tool each JSON-format item's answer is forced through, by customId. */
  resultHints: Record<string, string>;
  rejected: ProviderBatchResult[];
}

/**
 * One `{ custom_id, params }` per item, the params being exactly what a synchronous call of the same request
 * sends. An item Anthropic's format cannot carry, or whose customId is unusable, is left out with the reason.
 */
export function toMessageBatchRequests(
  model: string,
  items: readonly ProviderBatchItem[],
  defaultMaxTokens?: number,
): MessageBatchRequests {
  const requests: MessageBatchRequests['requests'] = [];
  const resultHints: Record<string, string> = {};
  const rejected: ProviderBatchResult[] = [];
  const taken = new Set<string>();
  for (const { customId, request } of items) {
    const problem = customIdProblem(customId, taken);
    if (problem !== undefined) {
      rejected.push({ customId, ok: false, error: { type: FailureType.InvalidRequest, message: problem } });
      continue;
    }
    let params: Anthropic.MessageCreateParamsNonStreaming;
    try {
      params = toAnthropicRequest(model, request, defaultMaxTokens);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      rejected.push({ customId, ok: false, error: { type: error.type, message: error.message } });
      continue;
    }
    taken.add(customId);
    requests.push({ custom_id: customId, params });
    const tool = structuredOutputTool(request);
    if (tool !== undefined) resultHints[customId] = tool;
  }
  return { requests, resultHints, rejected };
}

/**
 * Reads a `MessageBatch` object. Anthropic has one `ended` status for every way a batch stops; a cancel is
 * told by `cancel_initiated_at`, an expiry by expired requests.
 */
export function fromMessageBatch(raw: unknown): ProviderBatchStatus {
  const status = stringField(raw, 'processing_status');
  if (!isRecord(raw) || (status !== 'in_progress' && status !== 'canceling' && status !== 'ended')) {
    throw malformedResponse(`the message batch has an unknown processing_status '${status}'`);
  }
  const counts = raw['request_counts'];
  const count = (field: string): number => numberField(counts, field) ?? 0;
  const cancelled = count('canceled');
  const expired = count('expired');
  let state: ProviderBatchState = status === 'in_progress' ? 'in_progress' : 'cancelling';
  if (status === 'ended') {
    const wasCancelled = stringField(raw, 'cancel_initiated_at') !== undefined;
    state = wasCancelled ? 'cancelled' : expired > 0 ? 'expired' : 'ended';
  }
  return {
    state,
    total: count('processing') + count('succeeded') + count('errored') + cancelled + expired,
    succeeded: count('succeeded'),
    failed: count('errored'),
    cancelled,
    expired,
  };
}

/** HTTP statuses of Anthropic's error types, which a result's error carries without its status. */
const ERROR_STATUSES: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * Reads one line of the results file. A succeeded message is normalised as a synchronous answer is (with the
 * item's forced JSON tool, from `resultHints`); an error is classified as the same error of a synchronous call
 * would be.
 */
export function fromMessageBatchResult(
  line: unknown,
  model: string,
  resultHints: Readonly<Record<string, string>> = {},
): ProviderBatchResult {
  const customId = stringField(line, 'custom_id');
  const result = isRecord(line) ? line['result'] : undefined;
  const type = stringField(result, 'type');
  if (customId === undefined || !isRecord(result)) throw malformedResponse('a batch result has no custom_id or result');
  switch (type) {
    case 'succeeded':
      try {
        return {
          customId,
          ok: true,
          completion: fromAnthropicMessage(result['message'], model, resultHints[customId]),
        };
      } catch (error) {
        if (error instanceof ProviderError)
          return { customId, ok: false, error: { type: error.type, message: error.message } };
        throw error;
      }
    case 'errored': {
      const body = result['error'];
      const errorType = isRecord(body) ? stringField(body['error'], 'type') : undefined;
      const status = (errorType === undefined ? undefined : ERROR_STATUSES[errorType]) ?? 500;
      // The same mapping as a synchronous call's error, so an item's overload or content-policy rejection means
      // what it would mean anywhere else.
      const failure = classifyAnthropicError(
        APIError.generate(status, isRecord(body) ? body : undefined, undefined, new Headers()),
      );
      const { providerCode } = failure.details;
      return {
        customId,
        ok: false,
        error: { type: failure.type, message: failure.message, ...(providerCode !== undefined && { providerCode }) },
      };
    }
    case 'canceled':
      return {
        customId,
        ok: false,
        error: { type: BatchItemNotRun.Cancelled, message: 'The batch was cancelled before this request ran' },
      };
    case 'expired':
      return {
        customId,
        ok: false,
        error: { type: BatchItemNotRun.Expired, message: 'The batch expired before this request ran' },
      };
    default:
      throw malformedResponse(`a batch result has an unknown type '${type}'`);
  }
}
