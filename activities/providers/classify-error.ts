/**
 * What every provider's error mapping shares: turning a failure without an HTTP answer (a refused or reset
 * connection, a timeout, a body that is not JSON) into a `ProviderError`, the meaning of an HTTP status on
 * its own, and the cancellation and deadline rules every adapter follows. Each provider's own error bodies
 * are read by the `errors.ts` in its folder, which falls back to `classifyTransportError` for the rest.
 */

import { FailureType } from '../../src/contract/failure-types';
import { isRecord, stringField } from './json-fields';
import { ProviderError } from './provider-error';

/** Provider messages end up in workflow history and logs; a proxy's HTML error page should not. */
const MAX_MESSAGE_LENGTH = 1000;

/** undici error codes for its own connect/headers/body timeouts, found in `TypeError('fetch failed').cause`. */
const UNDICI_TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * One provider's mapping from whatever its SDK threw to a `ProviderError`. Pure: it does not know whether
 * the caller cancelled, so adapters go through `providerFailure`, which does.
 *
 * @param now - the current time, for `Retry-After` given as an HTTP date.
 */
export type ErrorClassifier = (error: unknown, now?: number) => ProviderError;

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
 * TIMEOUT when the call's deadline fired, and otherwise what the provider's `classify` makes of it.
 */
export function providerFailure(error: unknown, classify: ErrorClassifier, context: FailureContext = {}): unknown {
  if (context.signal?.aborted) return error;
  if (error instanceof ProviderError) return error;
  if (context.deadline?.timedOut) {
    return new ProviderError(
      FailureType.Timeout,
      `The provider did not answer within ${context.deadline.timeoutMs} ms`,
    );
  }
  return classify(error);
}

/** A MALFORMED_RESPONSE failure for a body that parsed but does not have the provider's documented shape. */
export function malformedResponse(detail: string): ProviderError {
  return new ProviderError(FailureType.MalformedResponse, `Unexpected response from the provider: ${detail}`);
}

/**
 * Classifies a failure that is not a provider's error answer: a `ProviderError` passes through, a body
 * that is not JSON is MALFORMED_RESPONSE, an abort is TIMEOUT, and anything else thrown on the way to or
 * from the provider is a retryable transport failure.
 */
export function classifyTransportError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
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
    return timedOutFailure(errorMessage(error));
  }
  // Anything else thrown (undici's `TypeError('fetch failed')` for a refused or reset connection, an SDK's
  // own error) happened on the way to or from the provider: a retryable transport failure.
  if (isRecord(error)) return connectionFailure(errorMessage(error), error['cause']);
  return new ProviderError(FailureType.ServerError, cleanMessage(String(error), 'Unknown provider failure'));
}

/** A TIMEOUT reported by an SDK's own connection timeout. */
export function timedOutFailure(message: string): ProviderError {
  return new ProviderError(FailureType.Timeout, cleanMessage(message, 'Request timed out'));
}

/**
 * An SDK's "request was aborted" when neither the caller nor our deadline aborted (see `providerFailure`):
 * something between us and the provider dropped the call, so it is worth a retry.
 */
export function droppedCallFailure(message: string): ProviderError {
  return new ProviderError(FailureType.ServerError, cleanMessage(message, 'Request was aborted'));
}

/** A request that never got an HTTP answer: a timeout if the transport says so, else a server error. */
export function connectionFailure(message: string, cause: unknown): ProviderError {
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

/** The SDKs prefix the status to the message (`"429 Rate limit reached"`); the status is kept separately. */
export function stripStatus(message: string, status: number): string {
  const prefix = `${status} `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** The message trimmed and bounded, or `fallback` when it is empty. */
export function cleanMessage(message: string, fallback: string): string {
  const trimmed = message.trim();
  if (trimmed === '') return fallback;
  return trimmed.length > MAX_MESSAGE_LENGTH ? `${trimmed.slice(0, MAX_MESSAGE_LENGTH)}…` : trimmed;
}

/** `{ [key]: value }` when value is defined, `{}` otherwise, so optional details stay absent rather than undefined. */
export function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
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
