/**
 * Anthropic's error mapping. The `@anthropic-ai/sdk` raises `APIError` subclasses carrying the status, the
 * body's `error.type` and message, `error.details.error_code`, and the response `Headers`; connection
 * failures are subclasses without a status.
 */

import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
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
import { ProviderError } from '../provider-error';
import { retryAfterFromHeaders } from '../retry-after';

/** Anthropic `error.details.error_code`s for an exhausted spend limit, sent with 402 or 429. */
const QUOTA_CODES: ReadonlySet<string> = new Set([
  'contract_spend_limit_reached',
  'enforced_spend_limit_reached',
  'linked_organization_spend_limit_reached',
  'linked_organization_billing_unavailable',
]);

/**
 * Anthropic reports an empty prepaid balance and a reached monthly spend limit as a plain 400
 * `invalid_request_error`; only the message tells them apart from a bad request.
 */
const QUOTA_MESSAGE = /credit balance is too low|spend(?:ing)? limit|usage limits?/i;

/** Anthropic likewise reports output stopped by its content filter as a 400 `invalid_request_error`. */
const CONTENT_POLICY_MESSAGE = /content filtering policy/i;

/**
 * What classification reads from the SDK's `APIError`. `instanceof` narrows it to `APIError<any, any, any>`;
 * naming the fields keeps `any` out of the function below.
 */
type AnthropicErrorFields = Pick<APIError, 'status' | 'headers' | 'apiMessage' | 'errorCode' | 'type' | 'message'>;

/** Classifies anything an `@anthropic-ai/sdk` call threw. */
export function classifyAnthropicError(error: unknown, now: number = Date.now()): ProviderError {
  // Connection-level subclasses first: they extend APIError but carry no status.
  if (error instanceof APIConnectionTimeoutError) return timedOutFailure(error.message);
  if (error instanceof APIUserAbortError) return droppedCallFailure(error.message);
  if (error instanceof APIConnectionError) return connectionFailure(error.message, error.cause);
  if (error instanceof APIError) return fromAnthropicError(error, now);
  return classifyTransportError(error);
}

function fromAnthropicError(error: AnthropicErrorFields, now: number): ProviderError {
  const status = error.status ?? 0;
  const message = cleanMessage(error.apiMessage ?? stripStatus(error.message, status), 'no message');
  const providerCode = error.errorCode ?? error.type ?? undefined;
  let type = typeForStatus(status);
  if (
    error.type === 'billing_error' ||
    (error.errorCode !== null && QUOTA_CODES.has(error.errorCode)) ||
    (status === 400 && QUOTA_MESSAGE.test(message))
  ) {
    type = FailureType.QuotaExhausted;
  } else if (status === 400 && CONTENT_POLICY_MESSAGE.test(message)) {
    type = FailureType.ContentPolicy;
  } else if (error.type === 'overloaded_error') {
    type = FailureType.Overloaded;
  }
  return new ProviderError(type, message, {
    status,
    ...defined('retryAfterMs', retryAfterFromHeaders(error.headers, now)),
    ...defined('providerCode', providerCode),
  });
}
