/**
 * Gemini's error mapping. @google/genai raises an `ApiError` with only `status` and a `message` that is the
 * JSON-stringified body (no headers at all, so the retry hint comes from `RetryInfo` in the body); its own
 * timeout is a plain `AbortError` from `fetch`, which the shared transport classification handles.
 */

import { ApiError } from '@google/genai';
import { FailureType } from '../../../src/contract/failure-types';
import { classifyTransportError, cleanMessage, defined, typeForStatus } from '../classify-error';
import { isRecord, numberField, parseJsonSafely, stringField } from '../json-fields';
import { ProviderError } from '../provider-error';
import { parseProtobufDuration } from '../retry-after';

/**
 * Classifies anything a `@google/genai` call threw. The `now` of other providers' classifiers is not
 * needed: Gemini's retry hint is a duration, never a date.
 */
export function classifyGeminiError(error: unknown): ProviderError {
  if (error instanceof ApiError) return fromGeminiError(error);
  return classifyTransportError(error);
}

/**
 * Gemini's error body is a `google.rpc.Status`: `{ error: { code, message, status, details[] } }`, where
 * `details` holds typed entries (`RetryInfo`, `QuotaFailure`, `ErrorInfo`) that say more than the status.
 */
function fromGeminiError(error: ApiError): ProviderError {
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
