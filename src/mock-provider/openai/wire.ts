import { type IncomingHttpHeaders } from 'node:http';
import { isJsonObject, tokenCount } from '../json';
import { type ProviderWire, type WireReply } from '../provider';
import { bearerToken, retryAfterHeaders } from '../wire-headers';

function openaiError(
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): WireReply {
  return { status, body: { error: { message, type, param, code } } };
}

const SERVER_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  500: 'The server had an error while processing your request. Sorry about that!',
  502: 'Bad gateway.',
  503: 'The server is overloaded or not ready yet.',
};

/** OpenAI's error envelope `{ error: { message, type, param, code } }` and its Bearer-key auth. */
export const openaiWire: ProviderWire = {
  name: 'openai',
  requestIdHeader: 'x-request-id',
  requestId: (sequence) => `req_mock${sequence.toString(16).padStart(24, '0')}`,
  apiKey: (headers: IncomingHttpHeaders) => bearerToken(headers),
  missingKey: () =>
    openaiError(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      'invalid_request_error',
      'invalid_api_key',
    ),
  invalidKey: () =>
    openaiError(
      401,
      'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
      'invalid_request_error',
      'invalid_api_key',
    ),
  badRequest: (_ctx, message) => openaiError(400, message, 'invalid_request_error', null),
  errorStatus(_ctx, status) {
    if (status >= 500) {
      return openaiError(status, SERVER_ERROR_MESSAGES[status] ?? `Mock server error ${status}.`, 'server_error', null);
    }
    if (status === 401) {
      return openaiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    return openaiError(status, `Mock error with status ${status}.`, 'invalid_request_error', null);
  },
  rateLimited(ctx, retryAfterSeconds, cause) {
    const reason = cause === 'key-limit' ? 'the per-key limit of the mock' : 'an injected rate limit';
    const reply = openaiError(
      429,
      `Rate limit reached for ${ctx.model ?? 'this model'} on requests per min (RPM) (${reason}). Please try again in ${retryAfterSeconds}s.`,
      'requests',
      'rate_limit_exceeded',
    );
    return { ...reply, headers: retryAfterHeaders(retryAfterSeconds, true) };
  },
  quotaExhausted: () =>
    openaiError(
      429,
      'You exceeded your current quota, please check your plan and billing details.',
      'insufficient_quota',
      'insufficient_quota',
    ),
  contentPolicy: () =>
    openaiError(
      400,
      'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
      'invalid_request_error',
      'content_policy_violation',
    ),
  rateLimitHeaders: (window) => ({
    'x-ratelimit-limit-requests': String(window.limit),
    'x-ratelimit-remaining-requests': String(window.remaining),
    'x-ratelimit-reset-requests': goDuration(window.resetInMs),
  }),
  sendsRetryAfterMs: true,
  reportedUsage(body) {
    const usage = isJsonObject(body) && isJsonObject(body.usage) ? body.usage : undefined;
    return {
      promptTokens: tokenCount(usage, 'prompt_tokens'),
      completionTokens: tokenCount(usage, 'completion_tokens'),
    };
  },
};

/** A Go-style duration as OpenAI writes its reset headers: `120ms`, `1.5s`, `59s`. */
export function goDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}
