/**
 * OpenAI's error mapping, for `openai` and `openai-compatible` alike. The `openai` SDK raises `APIError`
 * subclasses carrying the status, the body's `error` object (`{ message, type, param, code }`) and the
 * response `Headers`; connection failures are subclasses without a status.
 */

import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { FailureType } from '../../../src/contract/failure-types';
import {
  classifyTransportError,
  cleanMessage,
  connectionFailure,
  defined,
  droppedCallFailure,
  stripStatus,
  timedOutFailure,
  typeForStatus,
} from '../classify-error';
import { stringField } from '../json-fields';
import { ProviderError } from '../provider-error';
import { retryAfterFromHeaders } from '../retry-after';

/** OpenAI error codes meaning the key's money ran out: no retry with this key helps. */
const QUOTA_CODES: ReadonlySet<string> = new Set([
  'insufficient_quota',
  'billing_hard_limit_reached',
  'billing_not_active',
]);

/** OpenAI (and Azure OpenAI's `content_filter`) codes for a request refused on content grounds. */
const CONTENT_POLICY_CODES: ReadonlySet<string> = new Set(['content_policy_violation', 'content_filter']);

/**
 * What classification reads from the SDK's `APIError`. `instanceof` narrows it to `APIError<any, any, any>`;
 * naming the fields keeps `any` out of the function below.
 */
type OpenAIErrorFields = Pick<APIError, 'status' | 'headers' | 'error' | 'code' | 'type' | 'message'>;

/** Classifies anything an `openai` SDK call threw. */
export function classifyOpenAIError(error: unknown, now: number = Date.now()): ProviderError {
  // Connection-level subclasses first: they extend APIError but carry no status.
  if (error instanceof APIConnectionTimeoutError) return timedOutFailure(error.message);
  if (error instanceof APIUserAbortError) return droppedCallFailure(error.message);
  if (error instanceof APIConnectionError) return connectionFailure(error.message, error.cause);
  if (error instanceof APIError) return fromOpenAIError(error, now);
  return classifyTransportError(error);
}

function fromOpenAIError(error: OpenAIErrorFields, now: number): ProviderError {
  const status = error.status ?? 0;
  // `error.error` is the body's `error` object; when the body was not JSON the SDK keeps only the text in
  // `message`, prefixed with the status.
  const message = cleanMessage(stringField(error.error, 'message') ?? stripStatus(error.message, status), 'no message');
  const codes = [error.code, error.type].filter((value): value is string => typeof value === 'string');
  const providerCode = codes[0];
  let type = typeForStatus(status);
  if (codes.some((code) => QUOTA_CODES.has(code))) type = FailureType.QuotaExhausted;
  else if (codes.some((code) => CONTENT_POLICY_CODES.has(code))) type = FailureType.ContentPolicy;
  return new ProviderError(type, message, {
    status,
    ...defined('retryAfterMs', retryAfterFromHeaders(error.headers, now)),
    ...defined('providerCode', providerCode),
  });
}
