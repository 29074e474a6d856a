/**
 * One place that turns whatever a provider call threw into a `ProviderError` with the right `FailureType`.
 *
 * The SDKs disagree on how a failure looks: OpenAI and Anthropic raise `APIError` subclasses carrying the
 * status, the parsed JSON body and the response `Headers`; @google/genai raises an `ApiError` with only
 * `status` and a `message` that is the JSON-stringified body (no headers at all, so Gemini's retry hint
 * comes from `RetryInfo` in the body); a body that is not JSON surfaces as a bare `SyntaxError`; and
 * Gemini's own timeout is a plain `AbortError` from `fetch`.
 */

import {
  APIConnectionError as AnthropicConnectionError,
  APIConnectionTimeoutError as AnthropicConnectionTimeoutError,
  APIError as AnthropicAPIError,
  APIUserAbortError as AnthropicUserAbortError,
} from '@anthropic-ai/sdk';
import { ApiError as GeminiApiError } from '@google/genai';
import {
  APIConnectionError as OpenAIConnectionError,
  APIConnectionTimeoutError as OpenAIConnectionTimeoutError,
  APIError as OpenAIAPIError,
  APIUserAbortError as OpenAIUserAbortError,
} from 'openai';
import { FailureType } from '../../src/contract/failure-types';
import { isRecord, numberField, parseJsonSafely, stringField } from './json-fields';
import { ProviderError } from './provider-error';
import { parseProtobufDuration, retryAfterFromHeaders } from './retry-after';

/** Provider messages end up in workflow history and logs; a proxy's HTML error page should not. */
const MAX_MESSAGE_LENGTH = 1000;

/** OpenAI error codes meaning the key's money ran out: no retry with this key helps. */
const OPENAI_QUOTA_CODES: ReadonlySet<string> = new Set([
  'insufficient_quota',
  'billing_hard_limit_reached',
  'billing_not_active',
]);

/** OpenAI (and Azure OpenAI's `content_filter`) codes for a request refused on content grounds. */
const OPENAI_CONTENT_POLICY_CODES: ReadonlySet<string> = new Set(['content_policy_violation', 'content_filter']);

/** Anthropic `error.details.error_code`s for an exhausted spend limit, sent with 402 or 429. */
const ANTHROPIC_QUOTA_CODES: ReadonlySet<string> = new Set([
  'contract_spend_limit_reached',
  'enforced_spend_limit_reached',
  'linked_organization_spend_limit_reached',
  'linked_organization_billing_unavailable',
]);

/**
 * Anthropic reports an empty prepaid balance and a reached monthly spend limit as a plain 400
 * `invalid_request_error`; only the message tells them apart from a bad request.
 */
const ANTHROPIC_QUOTA_MESSAGE = /credit balance is too low|spend(?:ing)? limit|usage limits?/i;

/** Anthropic likewise reports output stopped by its content filter as a 400 `invalid_request_error`. */
const ANTHROPIC_CONTENT_POLICY_MESSAGE = /content filtering policy/i;

/** undici error codes for its own connect/headers/body timeouts, found in `TypeError('fetch failed').cause`. */
const UNDICI_TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** What an adapter needs to know to tell a cancellation from a failure. */
export interface FailureContext {
  /** The caller's signal: once it has aborted, the original error is rethrown, not classified. */
  signal?: AbortSignal;
  /** The call's own deadline: when it fired, any abort it caused is a TIMEOUT. */
  deadline?: { readonly timedOut: boolean; readonly timeoutMs: number };
}

/**
 * What an adapter should throw for `error`: the error itself when the caller's signal has aborted (the
 * activity layer turns that into a cancellation, and a `ProviderError` would be retried as a failure), a
 * TIMEOUT when the call's deadline fired, and otherwise `classifyError(error)`.
 */
export function providerFailure(error: unknown, context: FailureContext = {}): unknown {
  if (context.signal?.aborted) return error;
  if (error instanceof ProviderError) return error;
  if (context.deadline?.timedOut) {
    return new ProviderError(
      FailureType.Timeout,
      `The provider did not answer within ${context.deadline.timeoutMs} ms`,
    );
  }
  return classifyError(error);
}

/** A MALFORMED_RESPONSE failure for a body that parsed but does not have the provider's documented shape. */
export function malformedResponse(detail: string): ProviderError {
  return new ProviderError(FailureType.MalformedResponse, `Unexpected response from the provider: ${detail}`);
}

/**
 * Classifies any thrown value from a provider SDK call. Pure: it does not know whether the caller
 * cancelled, so adapters go through `providerFailure`, which does.
 *
 * @param now - the current time, for `Retry-After` given as an HTTP date.
 */
export function classifyError(error: unknown, now: number = Date.now()): ProviderError {
  if (error instanceof ProviderError) return error;

  // Connection-level subclasses first: they extend APIError but carry no status.
  if (error instanceof OpenAIConnectionTimeoutError || error instanceof AnthropicConnectionTimeoutError) {
    return new ProviderError(FailureType.Timeout, cleanMessage(error.message, 'Request timed out'));
  }
  if (error instanceof OpenAIUserAbortError || error instanceof AnthropicUserAbortError) {
    // Neither the caller nor our deadline aborted (see providerFailure), so something between us and the
    // provider dropped the call: worth a retry.
    return new ProviderError(FailureType.ServerError, cleanMessage(error.message, 'Request was aborted'));
  }
  if (error instanceof OpenAIConnectionError || error instanceof AnthropicConnectionError) {
    return fromConnectionFailure(error.message, error.cause);
  }
  if (error instanceof OpenAIAPIError) return fromOpenAIError(error, now);
  if (error instanceof AnthropicAPIError) return fromAnthropicError(error, now);
  if (error instanceof GeminiApiError) return fromGeminiError(error);

  // Checked by name, not instanceof: errors raised inside undici's fetch (JSON parse errors, AbortError,
  // 'fetch failed') come from Node's own realm, which is not the caller's under a vm sandbox such as Jest.
  if (errorName(error) === 'SyntaxError') {
    return new ProviderError(
      FailureType.MalformedResponse,
      `The provider's response is not valid JSON: ${cleanMessage(errorMessage(error), 'unparseable body')}`,
    );
  }
  if (isAbortLike(error)) {
    // @google/genai implements its timeout by aborting fetch, so its timeouts surface as a bare AbortError.
    return new ProviderError(FailureType.Timeout, cleanMessage(errorMessage(error), 'Request timed out'));
  }
  // Anything else thrown (undici's `TypeError('fetch failed')` for a refused or reset connection, an SDK's
  // own error) happened on the way to or from the provider: a retryable transport failure.
  if (isRecord(error)) return fromConnectionFailure(errorMessage(error), error['cause']);
  return new ProviderError(FailureType.ServerError, cleanMessage(String(error), 'Unknown provider failure'));
}

/**
 * What classification reads from the SDKs' `APIError`s. `instanceof` narrows them to `APIError<any, any, any>`;
 * naming the fields keeps `any` out of the functions below.
 */
type OpenAIErrorFields = Pick<OpenAIAPIError, 'status' | 'headers' | 'error' | 'code' | 'type' | 'message'>;
type AnthropicErrorFields = Pick<
  AnthropicAPIError,
  'status' | 'headers' | 'apiMessage' | 'errorCode' | 'type' | 'message'
>;

function fromOpenAIError(error: OpenAIErrorFields, now: number): ProviderError {
  const status = error.status ?? 0;
  // `error.error` is the body's `error` object; when the body was not JSON the SDK keeps only the text in
  // `message`, prefixed with the status.
  const message = cleanMessage(stringField(error.error, 'message') ?? stripStatus(error.message, status), 'no message');
  const codes = [error.code, error.type].filter((value): value is string => typeof value === 'string');
  const providerCode = codes[0];
  let type = typeForStatus(status);
  if (codes.some((code) => OPENAI_QUOTA_CODES.has(code))) type = FailureType.QuotaExhausted;
  else if (codes.some((code) => OPENAI_CONTENT_POLICY_CODES.has(code))) type = FailureType.ContentPolicy;
  return new ProviderError(type, message, {
    status,
    ...defined('retryAfterMs', retryAfterFromHeaders(error.headers, now)),
    ...defined('providerCode', providerCode),
  });
}

function fromAnthropicError(error: AnthropicErrorFields, now: number): ProviderError {
  const status = error.status ?? 0;
  const message = cleanMessage(error.apiMessage ?? stripStatus(error.message, status), 'no message');
  const providerCode = error.errorCode ?? error.type ?? undefined;
  let type = typeForStatus(status);
  if (
    error.type === 'billing_error' ||
    (error.errorCode !== null && ANTHROPIC_QUOTA_CODES.has(error.errorCode)) ||
    (status === 400 && ANTHROPIC_QUOTA_MESSAGE.test(message))
  ) {
    type = FailureType.QuotaExhausted;
  } else if (status === 400 && ANTHROPIC_CONTENT_POLICY_MESSAGE.test(message)) {
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

/**
 * Gemini's error body is a `google.rpc.Status`: `{ error: { code, message, status, details[] } }`, where
 * `details` holds typed entries (`RetryInfo`, `QuotaFailure`, `ErrorInfo`) that say more than the status.
 */
function fromGeminiError(error: GeminiApiError): ProviderError {
  const status = error.status;
  const parsed = parseJsonSafely(error.message);
  // Some Google front ends wrap the Status in a one-element array.
  const body: unknown = Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed;
  const rpcStatus = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  const message = cleanMessage(stringField(rpcStatus, 'message') ?? error.message, 'no message');
  const details = Array.isArray(rpcStatus?.['details']) ? (rpcStatus['details'] as unknown[]) : [];
  const detailOfType = (suffix: string): unknown[] =>
    details.filter((detail) => stringField(detail, '@type')?.endsWith(suffix) === true);

  const reason = detailOfType('google.rpc.ErrorInfo')
    .map((detail) => stringField(detail, 'reason'))
    .find((value) => value !== undefined);
  const retryAfterMs = detailOfType('google.rpc.RetryInfo')
    .map((detail) => parseProtobufDuration(stringField(detail, 'retryDelay')))
    .find((value) => value !== undefined);
  const dailyQuota = detailOfType('google.rpc.QuotaFailure').some((detail) => {
    const violations =
      isRecord(detail) && Array.isArray(detail['violations']) ? (detail['violations'] as unknown[]) : [];
    return violations.some((violation) =>
      [stringField(violation, 'quotaId'), stringField(violation, 'quotaMetric')].some((id) => id?.includes('PerDay')),
    );
  });

  let type = typeForStatus(status);
  // Gemini answers an invalid key with 400 INVALID_ARGUMENT; only ErrorInfo.reason says it is the key.
  if (reason?.startsWith('API_KEY_')) type = FailureType.Auth;
  // A per-minute quota refills on its own (rate limit); a per-day quota will not within any retry window.
  else if (status === 429 && dailyQuota) type = FailureType.QuotaExhausted;

  return new ProviderError(type, message, {
    status,
    ...defined('retryAfterMs', retryAfterMs),
    ...defined(
      'providerCode',
      reason ?? stringField(rpcStatus, 'status') ?? numberField(rpcStatus, 'code')?.toString(),
    ),
  });
}

/** A request that never got an HTTP answer: a timeout if the transport says so, else a server error. */
function fromConnectionFailure(message: string, cause: unknown): ProviderError {
  const causeCode = stringField(cause, 'code');
  const causeMessage = errorMessage(cause);
  const timedOut =
    (causeCode !== undefined && UNDICI_TIMEOUT_CODES.has(causeCode)) ||
    isAbortLike(cause) ||
    /timed? ?out/i.test(`${message} ${causeMessage}`);
  const full = causeMessage && causeMessage !== message ? `${message}: ${causeMessage}` : message;
  return new ProviderError(
    timedOut ? FailureType.Timeout : FailureType.ServerError,
    cleanMessage(full, 'Connection error'),
    {
      ...defined('providerCode', causeCode),
    },
  );
}

/** The failure type an HTTP status means on its own, before provider-specific codes refine it. */
export function typeForStatus(status: number): FailureType {
  if (status === 401 || status === 403) return FailureType.Auth;
  if (status === 402) return FailureType.QuotaExhausted;
  if (status === 408 || status === 504) return FailureType.Timeout;
  if (status === 429) return FailureType.RateLimited;
  if (status === 503 || status === 529) return FailureType.Overloaded;
  if (status >= 500) return FailureType.ServerError;
  if (status >= 400) return FailureType.InvalidRequest;
  // A non-error status reported as an error (say, an unfollowed redirect) is not the documented API.
  return FailureType.MalformedResponse;
}

function isAbortLike(value: unknown): boolean {
  const name = errorName(value);
  return name === 'AbortError' || name === 'TimeoutError';
}

function errorName(value: unknown): string | undefined {
  return value instanceof Error ? value.name : stringField(value, 'name');
}

function errorMessage(value: unknown): string {
  return (value instanceof Error ? value.message : stringField(value, 'message')) ?? '';
}

/** The SDKs prefix the status to the message (`"429 Rate limit reached"`); the status is kept separately. */
function stripStatus(message: string, status: number): string {
  const prefix = `${status} `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function cleanMessage(message: string, fallback: string): string {
  const trimmed = message.trim();
  if (trimmed === '') return fallback;
  return trimmed.length > MAX_MESSAGE_LENGTH ? `${trimmed.slice(0, MAX_MESSAGE_LENGTH)}…` : trimmed;
}

/** `{ [key]: value }` when value is defined, `{}` otherwise, so optional details stay absent rather than undefined. */
function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
