import { type IncomingHttpHeaders } from 'node:http';
import { isJsonObject, tokenCount } from '../json';
import { type ProviderWire, type ReplyContext, type WireReply } from '../provider';
import { bearerToken, retryAfterHeaders } from '../wire-headers';

function anthropicError(ctx: ReplyContext, status: number, type: string, message: string): WireReply {
  return { status, body: { type: 'error', error: { type, message }, request_id: ctx.requestId } };
}

type ErrorKind = readonly [type: string, message: string];

const INVALID_REQUEST: ErrorKind = ['invalid_request_error', 'Mock invalid request.'];
const API_ERROR: ErrorKind = ['api_error', 'Internal server error'];
const ERROR_KINDS: Readonly<Record<number, ErrorKind>> = {
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'The requested resource could not be found.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  529: ['overloaded_error', 'Overloaded'],
};

/** Anthropic's `{ type: 'error', error: { type, message } }` envelope and its `x-api-key` auth. */
export const anthropicWire: ProviderWire = {
  name: 'anthropic',
  requestIdHeader: 'request-id',
  requestId: (sequence) => `req_mock${sequence.toString(16).padStart(20, '0')}`,
  apiKey(headers: IncomingHttpHeaders) {
    const key = headers['x-api-key'];
    if (typeof key === 'string' && key !== '') return key;
    // The SDK's `authToken` option sends a Bearer token instead of x-api-key.
    return bearerToken(headers);
  },
  missingKey: (ctx) => anthropicError(ctx, 401, 'authentication_error', 'x-api-key header is required'),
  invalidKey: (ctx) => anthropicError(ctx, 401, 'authentication_error', 'invalid x-api-key'),
  badRequest: (ctx, message) => anthropicError(ctx, 400, 'invalid_request_error', message),
  errorStatus(ctx, status) {
    const [type, message] = ERROR_KINDS[status] ?? (status >= 500 ? API_ERROR : INVALID_REQUEST);
    return anthropicError(ctx, status, type, message);
  },
  rateLimited(ctx, retryAfterSeconds, cause) {
    const reason = cause === 'key-limit' ? 'the per-key request limit of the mock' : 'an injected rate limit';
    const reply = anthropicError(
      ctx,
      429,
      'rate_limit_error',
      `This request would exceed the rate limit for your organization (${reason}). Please try again in ${retryAfterSeconds}s.`,
    );
    return { ...reply, headers: retryAfterHeaders(retryAfterSeconds, false) };
  },
  // The real API answers an empty balance with a 400, not a 429: clients must not retry it.
  quotaExhausted: (ctx) =>
    anthropicError(
      ctx,
      400,
      'invalid_request_error',
      'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
    ),
  contentPolicy: (ctx) =>
    anthropicError(ctx, 400, 'invalid_request_error', 'Output blocked by content filtering policy.'),
  rateLimitHeaders: (window) => ({
    'anthropic-ratelimit-requests-limit': String(window.limit),
    'anthropic-ratelimit-requests-remaining': String(window.remaining),
    'anthropic-ratelimit-requests-reset': new Date(Date.now() + window.resetInMs).toISOString(),
  }),
  sendsRetryAfterMs: false,
  reportedUsage(body) {
    const usage = isJsonObject(body) && isJsonObject(body.usage) ? body.usage : undefined;
    return { promptTokens: tokenCount(usage, 'input_tokens'), completionTokens: tokenCount(usage, 'output_tokens') };
  },
};
