import { type IncomingHttpHeaders } from 'node:http';
import { isJsonObject, type JsonObject, tokenCount } from '../json';
import { type ProviderWire, type ReplyContext, type WireReply } from '../provider';

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const QUOTA_FAILURE = 'type.googleapis.com/google.rpc.QuotaFailure';
const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

/** google.rpc.Code names for the statuses the mock can be asked for. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
  // Not a Google status; an overloaded model is reported as UNAVAILABLE.
  529: 'UNAVAILABLE',
};

function geminiError(status: number, message: string, details?: readonly JsonObject[]): WireReply {
  const name = STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
  const error: JsonObject = { code: status, message, status: name };
  if (details !== undefined) error.details = details;
  return { status, body: { error } };
}

function quotaFailure(ctx: ReplyContext, quotaId: string, limit: number): JsonObject {
  return {
    '@type': QUOTA_FAILURE,
    violations: [
      {
        quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
        quotaId,
        quotaDimensions: { location: 'global', model: ctx.model ?? 'unknown' },
        quotaValue: String(limit),
      },
    ],
  };
}

const SERVER_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  529: 'The model is overloaded. Please try again later.',
};

/** Google's `{ error: { code, message, status, details } }` envelope; the key comes as a header or `?key=`. */
export const geminiWire: ProviderWire = {
  name: 'gemini',
  // The Gemini API has no request-id header; the id is the body's `responseId`.
  requestIdHeader: undefined,
  requestId: (sequence) => `mock${sequence.toString(16).padStart(18, '0')}`,
  apiKey(headers: IncomingHttpHeaders, query: URLSearchParams) {
    const header = headers['x-goog-api-key'];
    if (typeof header === 'string' && header !== '') return header;
    const key = query.get('key');
    return key === null || key === '' ? undefined : key;
  },
  missingKey: () =>
    geminiError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    ),
  // Gemini answers a key it does not accept with 400 INVALID_ARGUMENT; only ErrorInfo.reason says it is the key.
  invalidKey: () =>
    geminiError(400, 'API key not valid. Please pass a valid API key.', [
      { '@type': ERROR_INFO, reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
    ]),
  badRequest: (_ctx, message) => geminiError(400, message),
  errorStatus: (_ctx, status) =>
    geminiError(status, SERVER_ERROR_MESSAGES[status] ?? `Mock error with status ${status}.`),
  rateLimited(ctx, retryAfterSeconds, cause) {
    const reason = cause === 'key-limit' ? 'the per-key request limit of the mock' : 'an injected rate limit';
    return geminiError(429, `Resource has been exhausted (${reason}). Please retry in ${retryAfterSeconds}s.`, [
      quotaFailure(ctx, 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', 15),
      { '@type': RETRY_INFO, retryDelay: protoDuration(retryAfterSeconds) },
    ]);
  },
  // A daily quota carries no RetryInfo: retrying within the day is pointless.
  quotaExhausted: (ctx) =>
    geminiError(429, 'You exceeded your current quota, please check your plan and billing details.', [
      quotaFailure(ctx, 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', 200),
    ]),
  contentPolicy: () => geminiError(400, 'The request was blocked by the safety filters.'),
  rateLimitHeaders: () => ({}),
  sendsRetryAfterMs: false,
  reportedUsage(body) {
    const usage = isJsonObject(body) && isJsonObject(body.usageMetadata) ? body.usageMetadata : undefined;
    return {
      promptTokens: tokenCount(usage, 'promptTokenCount'),
      completionTokens: tokenCount(usage, 'candidatesTokenCount'),
    };
  },
};

/** A protobuf Duration in JSON form, as Gemini writes `RetryInfo.retryDelay`: `2s`, `0.5s`. */
export function protoDuration(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}
