import { APIError as AnthropicAPIError } from '@anthropic-ai/sdk';
import { ApiError as GeminiApiError } from '@google/genai';
import { APIConnectionError, APIConnectionTimeoutError, APIError as OpenAIAPIError, APIUserAbortError } from 'openai';
import { classifyAnthropicError } from '../../activities/providers/anthropic/errors';
import { classifyTransportError, providerFailure } from '../../activities/providers/classify-error';
import { classifyGeminiError } from '../../activities/providers/gemini/errors';
import { classifyOpenAIError } from '../../activities/providers/openai/errors';
import { ProviderError } from '../../activities/providers/provider-error';
import {
  parseProtobufDuration,
  parseRetryAfterHeader,
  parseRetryAfterMsHeader,
  retryAfterFromHeaders,
} from '../../activities/providers/retry-after';
import { FailureType } from '../../src/contract/failure-types';

const NOW = Date.UTC(2025, 0, 1, 0, 0, 0);

/** An OpenAI SDK error exactly as the SDK builds it from a response. */
function openaiError(status: number, error: object, headers: Record<string, string> = {}): OpenAIAPIError {
  return OpenAIAPIError.generate(status, { error }, undefined, new Headers(headers));
}

/** An Anthropic SDK error exactly as the SDK builds it from a response. */
function anthropicError(
  status: number,
  error: { type: string; message: string; details?: object },
  headers: Record<string, string> = {},
): AnthropicAPIError {
  return AnthropicAPIError.generate(status, { type: 'error', error }, undefined, new Headers(headers));
}

/** A @google/genai error as its `throwErrorIfNotOK` builds it: the JSON body stringified into the message. */
function geminiError(status: number, error: object): GeminiApiError {
  return new GeminiApiError({ status, message: JSON.stringify({ error }) });
}

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const QUOTA_FAILURE = 'type.googleapis.com/google.rpc.QuotaFailure';

describe('retry-after parsing', () => {
  it('reads Retry-After given in whole or fractional seconds', () => {
    expect(parseRetryAfterHeader('2', NOW)).toBe(2000);
    expect(parseRetryAfterHeader(' 1.5 ', NOW)).toBe(1500);
  });

  it('reads Retry-After given as an HTTP date, relative to now', () => {
    expect(parseRetryAfterHeader('Wed, 01 Jan 2025 00:00:03 GMT', NOW)).toBe(3000);
  });

  it('treats a Retry-After date in the past as retry now', () => {
    expect(parseRetryAfterHeader('Tue, 31 Dec 2024 23:59:00 GMT', NOW)).toBe(0);
  });

  it('ignores Retry-After values that are neither seconds nor a date', () => {
    expect(parseRetryAfterHeader('soon', NOW)).toBeUndefined();
    expect(parseRetryAfterHeader('-1', NOW)).toBeUndefined();
    expect(parseRetryAfterHeader('', NOW)).toBeUndefined();
    expect(parseRetryAfterHeader(null, NOW)).toBeUndefined();
  });

  it('reads retry-after-ms in milliseconds, rounding fractions', () => {
    expect(parseRetryAfterMsHeader('1234.6')).toBe(1235);
    expect(parseRetryAfterMsHeader('abc')).toBeUndefined();
  });

  it('prefers retry-after-ms over retry-after when a provider sends both', () => {
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': '2', 'retry-after-ms': '1500' }), NOW)).toBe(1500);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': '2' }), NOW)).toBe(2000);
    expect(retryAfterFromHeaders(new Headers(), NOW)).toBeUndefined();
  });

  it("reads Gemini's RetryInfo.retryDelay protobuf durations", () => {
    expect(parseProtobufDuration('2s')).toBe(2000);
    expect(parseProtobufDuration('1.5s')).toBe(1500);
    expect(parseProtobufDuration('0.250s')).toBe(250);
    expect(parseProtobufDuration('2')).toBeUndefined();
    expect(parseProtobufDuration('1m')).toBeUndefined();
  });
});

describe('classifyOpenAIError for OpenAI and OpenAI-compatible errors', () => {
  it.each([
    [400, 'invalid_request_error', null, FailureType.InvalidRequest],
    [404, 'invalid_request_error', 'model_not_found', FailureType.InvalidRequest],
    [422, 'invalid_request_error', null, FailureType.InvalidRequest],
    [401, 'invalid_request_error', 'invalid_api_key', FailureType.Auth],
    [403, 'invalid_request_error', null, FailureType.Auth],
    [500, 'server_error', null, FailureType.ServerError],
    [502, 'server_error', null, FailureType.ServerError],
    [503, 'server_error', null, FailureType.Overloaded],
    [504, 'server_error', null, FailureType.Timeout],
  ])('when the status is %i the failure is the status type', (status, type, code, expected) => {
    const failure = classifyOpenAIError(openaiError(status, { message: 'x', type, code }));
    expect(failure.type).toBe(expected);
    expect(failure.details.status).toBe(status);
  });

  it('when the code is content_policy_violation, a 400 is CONTENT_POLICY, not INVALID_REQUEST', () => {
    const failure = classifyOpenAIError(
      openaiError(400, {
        message: 'Rejected by our safety system.',
        type: 'invalid_request_error',
        code: 'content_policy_violation',
      }),
    );
    expect(failure.type).toBe(FailureType.ContentPolicy);
    expect(failure.details.providerCode).toBe('content_policy_violation');
  });

  it('when the code is insufficient_quota, a 429 is QUOTA_EXHAUSTED, not RATE_LIMITED', () => {
    const failure = classifyOpenAIError(
      openaiError(429, {
        message: 'You exceeded your current quota.',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      }),
    );
    expect(failure.type).toBe(FailureType.QuotaExhausted);
  });

  it('a 429 is RATE_LIMITED with the delay from retry-after-ms', () => {
    const failure = classifyOpenAIError(
      openaiError(
        429,
        { message: 'Rate limit reached.', type: 'requests', code: 'rate_limit_exceeded' },
        { 'retry-after': '3', 'retry-after-ms': '2500' },
      ),
      NOW,
    );
    expect(failure.type).toBe(FailureType.RateLimited);
    expect(failure.details.retryAfterMs).toBe(2500);
    expect(failure.details.providerCode).toBe('rate_limit_exceeded');
  });

  it("keeps the provider's message, trimmed and without the SDK's status prefix", () => {
    const failure = classifyOpenAIError(
      openaiError(400, { message: '  Invalid value for temperature.\n', type: 'invalid_request_error' }),
    );
    expect(failure.message).toBe('Invalid value for temperature.');
  });

  it('keeps the text of a non-JSON error body as the message', () => {
    const error = OpenAIAPIError.generate(502, undefined, '<html>Bad Gateway</html>', new Headers());
    const failure = classifyOpenAIError(error);
    expect(failure.type).toBe(FailureType.ServerError);
    expect(failure.message).toBe('<html>Bad Gateway</html>');
  });

  it('a connection timeout is TIMEOUT and a refused connection is SERVER_ERROR', () => {
    expect(classifyOpenAIError(new APIConnectionTimeoutError()).type).toBe(FailureType.Timeout);
    const refused = new APIConnectionError({
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const failure = classifyOpenAIError(refused);
    expect(failure.type).toBe(FailureType.ServerError);
    expect(failure.message).toContain('ECONNREFUSED');
  });

  it('an SDK abort that neither the caller nor the deadline caused is a retryable SERVER_ERROR', () => {
    expect(classifyOpenAIError(new APIUserAbortError()).type).toBe(FailureType.ServerError);
  });
});

describe('classifyAnthropicError for Anthropic errors', () => {
  it('a 529 overloaded_error is OVERLOADED', () => {
    const failure = classifyAnthropicError(anthropicError(529, { type: 'overloaded_error', message: 'Overloaded' }));
    expect(failure.type).toBe(FailureType.Overloaded);
    expect(failure.details).toMatchObject({ status: 529, providerCode: 'overloaded_error' });
  });

  it('a 400 saying the credit balance is too low is QUOTA_EXHAUSTED', () => {
    const failure = classifyAnthropicError(
      anthropicError(400, {
        type: 'invalid_request_error',
        message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing.',
      }),
    );
    expect(failure.type).toBe(FailureType.QuotaExhausted);
  });

  it('a 400 saying the usage limit is reached is QUOTA_EXHAUSTED', () => {
    const failure = classifyAnthropicError(
      anthropicError(400, {
        type: 'invalid_request_error',
        message: 'You have reached your specified API usage limits. You will regain access on 2025-02-01 at 00:00 UTC.',
      }),
    );
    expect(failure.type).toBe(FailureType.QuotaExhausted);
  });

  it('a 429 whose error_code is a spend limit is QUOTA_EXHAUSTED, not RATE_LIMITED', () => {
    const failure = classifyAnthropicError(
      anthropicError(429, {
        type: 'rate_limit_error',
        message: 'Spend limit reached.',
        details: { error_code: 'enforced_spend_limit_reached' },
      }),
    );
    expect(failure.type).toBe(FailureType.QuotaExhausted);
    expect(failure.details.providerCode).toBe('enforced_spend_limit_reached');
  });

  it('a 400 from the content filter is CONTENT_POLICY', () => {
    const failure = classifyAnthropicError(
      anthropicError(400, { type: 'invalid_request_error', message: 'Output blocked by content filtering policy.' }),
    );
    expect(failure.type).toBe(FailureType.ContentPolicy);
  });

  it('any other 400 is INVALID_REQUEST with the API message', () => {
    const failure = classifyAnthropicError(
      anthropicError(400, { type: 'invalid_request_error', message: 'max_tokens: Field required' }),
    );
    expect(failure.type).toBe(FailureType.InvalidRequest);
    expect(failure.message).toBe('max_tokens: Field required');
  });

  it('a 429 is RATE_LIMITED with the delay from a Retry-After HTTP date', () => {
    const failure = classifyAnthropicError(
      anthropicError(
        429,
        { type: 'rate_limit_error', message: 'Slow down.' },
        { 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' },
      ),
      NOW,
    );
    expect(failure.type).toBe(FailureType.RateLimited);
    expect(failure.details.retryAfterMs).toBe(5000);
  });

  it('a 401 is AUTH', () => {
    expect(
      classifyAnthropicError(anthropicError(401, { type: 'authentication_error', message: 'invalid x-api-key' })).type,
    ).toBe(FailureType.Auth);
  });
});

describe('classifyGeminiError for Gemini errors', () => {
  it('a RESOURCE_EXHAUSTED with a per-minute quota is RATE_LIMITED with the RetryInfo delay', () => {
    const failure = classifyGeminiError(
      geminiError(429, {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: 'Resource has been exhausted.',
        details: [
          { '@type': QUOTA_FAILURE, violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
          { '@type': RETRY_INFO, retryDelay: '1.5s' },
        ],
      }),
    );
    expect(failure.type).toBe(FailureType.RateLimited);
    expect(failure.details).toMatchObject({ status: 429, retryAfterMs: 1500, providerCode: 'RESOURCE_EXHAUSTED' });
    expect(failure.message).toBe('Resource has been exhausted.');
  });

  it('a RESOURCE_EXHAUSTED whose QuotaFailure names a per-day quota is QUOTA_EXHAUSTED', () => {
    const failure = classifyGeminiError(
      geminiError(429, {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: 'You exceeded your current quota.',
        details: [
          { '@type': QUOTA_FAILURE, violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] },
        ],
      }),
    );
    expect(failure.type).toBe(FailureType.QuotaExhausted);
  });

  it('a 400 whose ErrorInfo reason is API_KEY_INVALID is AUTH', () => {
    const failure = classifyGeminiError(
      geminiError(400, {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: 'API key not valid. Please pass a valid API key.',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
      }),
    );
    expect(failure.type).toBe(FailureType.Auth);
    expect(failure.details.providerCode).toBe('API_KEY_INVALID');
  });

  it.each([
    [400, 'INVALID_ARGUMENT', FailureType.InvalidRequest],
    [403, 'PERMISSION_DENIED', FailureType.Auth],
    [500, 'INTERNAL', FailureType.ServerError],
    [503, 'UNAVAILABLE', FailureType.Overloaded],
    [504, 'DEADLINE_EXCEEDED', FailureType.Timeout],
  ])('a %i %s is classified by its status', (status, name, expected) => {
    expect(classifyGeminiError(geminiError(status, { code: status, status: name, message: 'x' })).type).toBe(expected);
  });
});

describe('classifyTransportError for failures without an HTTP answer', () => {
  it('a JSON parse error from a malformed body is MALFORMED_RESPONSE', () => {
    let parseError: unknown;
    try {
      JSON.parse('{"id": "chatcmpl-1", "choices": [');
    } catch (error) {
      parseError = error;
    }
    expect(classifyTransportError(parseError).type).toBe(FailureType.MalformedResponse);
  });

  it("a bare AbortError (how @google/genai's own timeout surfaces) is TIMEOUT", () => {
    expect(classifyTransportError(new DOMException('This operation was aborted', 'AbortError')).type).toBe(
      FailureType.Timeout,
    );
  });

  it("undici's headers timeout inside 'fetch failed' is TIMEOUT; a reset connection is SERVER_ERROR", () => {
    const timeout = new TypeError('fetch failed', {
      cause: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
    });
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    expect(classifyTransportError(timeout).type).toBe(FailureType.Timeout);
    expect(classifyTransportError(reset).type).toBe(FailureType.ServerError);
  });

  it('a ProviderError passes through unchanged', () => {
    const original = new ProviderError(FailureType.ContentPolicy, 'blocked');
    expect(classifyTransportError(original)).toBe(original);
  });
});

describe('providerFailure', () => {
  it('when the caller aborted, returns the original error rather than a ProviderError', () => {
    const controller = new AbortController();
    controller.abort();
    const abort = new APIUserAbortError();
    expect(providerFailure(abort, classifyOpenAIError, { signal: controller.signal })).toBe(abort);
  });

  it('when the deadline fired, the abort it caused is TIMEOUT', () => {
    const failure = providerFailure(new APIUserAbortError(), classifyOpenAIError, {
      signal: new AbortController().signal,
      deadline: { timedOut: true, timeoutMs: 250 },
    });
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).type).toBe(FailureType.Timeout);
  });

  it('otherwise classifies the error', () => {
    const failure = providerFailure(
      anthropicError(529, { type: 'overloaded_error', message: 'Overloaded' }),
      classifyAnthropicError,
      {
        deadline: { timedOut: false, timeoutMs: 250 },
      },
    );
    expect((failure as ProviderError).type).toBe(FailureType.Overloaded);
  });
});
