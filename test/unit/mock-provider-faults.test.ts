import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { type MockProviderHandle, MockBehaviorError, startMockProvider } from '../../src/mock-provider';

// Injected failures as each official SDK sees them, so retry and error-classification code can be
// tested against the real wire formats.

let mock: MockProviderHandle;

beforeAll(async () => {
  mock = await startMockProvider({ port: 0 });
});

afterEach(() => {
  mock.setBehavior({ latencyMs: 0, errorRates: {}, retryAfterSeconds: 1, keyRateLimitPerMinute: undefined });
});

afterAll(async () => {
  await mock.close();
});

function openai(options: { apiKey?: string; timeout?: number } = {}): OpenAI {
  const { apiKey = 'sk-faults', timeout } = options;
  return new OpenAI({ apiKey, baseURL: `${mock.url}/openai/v1`, maxRetries: 0, timeout });
}

function anthropic(apiKey = 'sk-ant-faults'): Anthropic {
  return new Anthropic({ apiKey, baseURL: `${mock.url}/anthropic`, maxRetries: 0 });
}

function gemini(apiKey = 'gemini-faults'): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: `${mock.url}/gemini` } });
}

function chat(text: string, client = openai()): Promise<OpenAI.ChatCompletion> {
  return client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] });
}

function message(text: string, client = anthropic()): Promise<Anthropic.Message> {
  return client.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 64,
    messages: [{ role: 'user', content: text }],
  });
}

function generate(text: string, client = gemini()): ReturnType<GoogleGenAI['models']['generateContent']> {
  return client.models.generateContent({ model: 'gemini-2.5-flash', contents: text });
}

/** The rejection of a promise that must fail. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Google's error body, which @google/genai puts JSON-encoded into the ApiError message. */
function geminiErrorBody(err: unknown): {
  error: { code: number; status: string; details?: Array<Record<string, unknown>> };
} {
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return JSON.parse(err.message) as ReturnType<typeof geminiErrorBody>;
}

async function eventually(check: () => boolean, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('rate limits (429)', () => {
  it('when a request carries [[mock:status=429]], the openai SDK gets a RateLimitError with retry-after', async () => {
    const err = await rejectionOf(chat('Hi [[mock:status=429]] [[mock:retry-after=2]]'));

    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.type).toBe('requests');
    expect(rateLimit.headers.get('retry-after')).toBe('2');
    expect(rateLimit.headers.get('retry-after-ms')).toBe('2000');
    expect(rateLimit.requestID).toMatch(/^req_/);
  });

  it('when a request carries [[mock:status=429]], the anthropic SDK gets a RateLimitError with retry-after', async () => {
    const err = await rejectionOf(message('Hi [[mock:status=429]] [[mock:retry-after=3]]'));

    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const rateLimit = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get('retry-after')).toBe('3');
    expect(rateLimit.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('when a request carries [[mock:status=429]], @google/genai gets a 429 ApiError with a RetryInfo delay', async () => {
    const err = await rejectionOf(generate('Hi [[mock:status=429]] [[mock:retry-after=2]]'));

    expect((err as ApiError).status).toBe(429);
    const { error } = geminiErrorBody(err);
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    expect(error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' });
  });

  it('when an injected 429 has no retry-after directive, the behavior retryAfterSeconds is sent', async () => {
    mock.setBehavior({ retryAfterSeconds: 7 });

    const err = await rejectionOf(chat('x [[mock:status=429]]'));

    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
  });

  it('when a key exceeds keyRateLimitPerMinute, it gets a 429 with the time left in the window, other keys do not', async () => {
    mock.setBehavior({ keyRateLimitPerMinute: 2 });
    const limited = openai({ apiKey: 'sk-rpm-limited' });

    const first = await limited.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'one' }] })
      .withResponse();
    await chat('two', limited);
    const err = await rejectionOf(chat('three', limited));
    const otherKey = await chat('one', openai({ apiKey: 'sk-rpm-other' }));

    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const retryAfter = Number(rateLimit.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(otherKey.choices[0]!.message.content).toContain('one');
  });

  it('when a key exceeds keyRateLimitPerMinute on anthropic, the SDK gets its RateLimitError', async () => {
    mock.setBehavior({ keyRateLimitPerMinute: 1 });
    const client = anthropic('sk-ant-rpm');

    await message('one', client);
    const err = await rejectionOf(message('two', client));

    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(
      (err as InstanceType<typeof Anthropic.RateLimitError>).headers.get('anthropic-ratelimit-requests-remaining'),
    ).toBe('0');
  });
});

describe('quota exhausted', () => {
  it('when a request carries [[mock:quota]], the openai SDK gets a 429 insufficient_quota without retry-after', async () => {
    const err = await rejectionOf(chat('Hi [[mock:quota]]'));

    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const quota = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(quota.code).toBe('insufficient_quota');
    expect(quota.type).toBe('insufficient_quota');
    expect(quota.headers.get('retry-after')).toBeNull();
  });

  it('when a request carries [[mock:quota]], the anthropic SDK gets a 400 about the credit balance', async () => {
    const err = await rejectionOf(message('Hi [[mock:quota]]'));

    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toMatch(/credit balance is too low/);
  });

  it('when a request carries [[mock:quota]], @google/genai gets RESOURCE_EXHAUSTED with a per-day QuotaFailure', async () => {
    const err = await rejectionOf(generate('Hi [[mock:quota]]'));

    expect((err as ApiError).status).toBe(429);
    const { error } = geminiErrorBody(err);
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    expect(JSON.stringify(error.details)).toContain('GenerateRequestsPerDayPerProjectPerModel-FreeTier');
    expect(error.details!.map((detail) => detail['@type'])).not.toContain('type.googleapis.com/google.rpc.RetryInfo');
  });
});

describe('server errors (5xx)', () => {
  it('when a request carries x-mock-status: 503, the openai SDK gets an InternalServerError of type server_error', async () => {
    const err = await rejectionOf(
      openai().chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
        { headers: { 'x-mock-status': '503' } },
      ),
    );

    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(503);
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).type).toBe('server_error');
  });

  it('when a request carries [[mock:status=529]], the anthropic SDK gets a 529 overloaded_error', async () => {
    const err = await rejectionOf(message('Hi [[mock:status=529]]'));

    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    const overloaded = err as InstanceType<typeof Anthropic.InternalServerError>;
    expect(overloaded.status).toBe(529);
    expect(overloaded.error).toMatchObject({ error: { type: 'overloaded_error' } });
  });

  it('when a request carries [[mock:status=500]], the anthropic SDK gets an api_error', async () => {
    const err = await rejectionOf(message('Hi [[mock:status=500]]'));

    expect((err as InstanceType<typeof Anthropic.InternalServerError>).error).toMatchObject({
      error: { type: 'api_error' },
    });
  });

  it.each([
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
  ])(
    'when a request carries [[mock:status=%i]], @google/genai gets an ApiError with status %s',
    async (code, status) => {
      const err = await rejectionOf(generate(`Hi [[mock:status=${code}]]`));

      expect((err as ApiError).status).toBe(code);
      expect(geminiErrorBody(err).error).toMatchObject({ code, status });
    },
  );

  it('when a 5xx carries a retry-after directive, the header is sent with it', async () => {
    const err = await rejectionOf(chat('Hi [[mock:status=503]] [[mock:retry-after=4]]'));

    expect((err as InstanceType<typeof OpenAI.InternalServerError>).headers.get('retry-after')).toBe('4');
  });
});

describe('malformed answers', () => {
  it('when a request carries [[mock:malformed]], every SDK fails to parse the 200 JSON body', async () => {
    const before = mock.stats().byStatus.malformed ?? 0;

    const errors = await Promise.all([
      rejectionOf(chat('Hi [[mock:malformed]]')),
      rejectionOf(message('Hi [[mock:malformed]]')),
      rejectionOf(generate('Hi [[mock:malformed]]')),
    ]);

    // Compared by name: fetch's SyntaxError comes from outside jest's sandbox, so instanceof would fail.
    for (const err of errors) {
      expect((err as Error).name).toBe('SyntaxError');
      expect((err as Error).message).toMatch(/JSON/);
    }
    expect(mock.stats().byStatus.malformed).toBe(before + 3);
  });

  it('when a request carries x-mock-malformed, the body is cut short but still labelled as JSON', async () => {
    const response = await post(
      '/openai/v1/chat/completions',
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      {
        authorization: 'Bearer sk-raw',
        'x-mock-malformed': '1',
      },
    );
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(text.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });
});

describe('content policy', () => {
  it('when a request carries [[mock:content-policy]], the openai SDK gets a 400 content_policy_violation', async () => {
    const err = await rejectionOf(chat('Hi [[mock:content-policy]]'));

    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('content_policy_violation');
  });

  it('when a request carries [[mock:content-policy]], the anthropic SDK gets a 400 about the content policy', async () => {
    const err = await rejectionOf(message('Hi [[mock:content-policy]]'));

    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toMatch(/content filtering policy/);
  });

  it('when a request carries [[mock:content-policy]], @google/genai gets a 200 with a SAFETY block and no candidates', async () => {
    const response = await generate('Hi [[mock:content-policy]]');

    expect(response.promptFeedback?.blockReason).toBe('SAFETY');
    expect(response.candidates).toBeUndefined();
    expect(response.text).toBeUndefined();
  });
});

describe('hangs and latency', () => {
  // The SDKs are asserted on the connection error and the elapsed time rather than on a timeout class:
  // under jest the AbortError comes from another realm, so the SDKs' own timeout detection misses it.
  it('when a request carries [[mock:hang]], the client timeout aborts it and stats count the aborted connection', async () => {
    const before = mock.stats();
    const started = Date.now();

    const err = await rejectionOf(chat('Hi [[mock:hang]]', openai({ timeout: 300 })));

    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await eventually(() => mock.stats().abortedConnections > before.abortedConnections)).toBe(true);
    expect(mock.stats().byStatus.hang).toBe((before.byStatus.hang ?? 0) + 1);
  });

  it('when @google/genai times out on a hang, its request is aborted too', async () => {
    const before = mock.stats().abortedConnections;
    const client = new GoogleGenAI({ apiKey: 'g-hang', httpOptions: { baseUrl: `${mock.url}/gemini`, timeout: 300 } });
    const started = Date.now();

    await rejectionOf(generate('Hi [[mock:hang]]', client));

    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await eventually(() => mock.stats().abortedConnections > before)).toBe(true);
  });

  it('when a request carries x-mock-latency-ms, the answer comes no sooner than that', async () => {
    const started = Date.now();
    await openai().chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'x-mock-latency-ms': '200' } },
    );

    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('when a request carries x-mock-body-delay-ms, the headers come at once, the body that much later, and the call is logged as paid with the headers', async () => {
    mock.resetStats();
    const started = Date.now();
    const response = await fetch(`${mock.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-faults', 'content-type': 'application/json', 'x-mock-body-delay-ms': '400' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slow body' }] }),
    });
    const headersAfter = Date.now() - started;
    expect(response.status).toBe(200);
    expect(mock.calls().calls).toHaveLength(1);
    const body = (await response.json()) as OpenAI.ChatCompletion;
    expect(body.choices[0]?.message.content).toContain('slow body');
    expect(Date.now() - started).toBeGreaterThanOrEqual(395);
    expect(headersAfter).toBeLessThan(Date.now() - started - 200);
  });

  it('when [[mock:body-delay]] has no number, the request is rejected with a 400 naming it', async () => {
    const err = await rejectionOf(chat('Hi [[mock:body-delay=soon]]'));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/body-delay/);
  });

  it('when the client gives up during the behavior latency, stats count the aborted connection', async () => {
    mock.setBehavior({ latencyMs: 2_000 });
    const before = mock.stats().abortedConnections;

    const err = await rejectionOf(chat('slow', openai({ timeout: 200 })));

    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(await eventually(() => mock.stats().abortedConnections > before)).toBe(true);
  });

  it('when the mock is closed with a request hanging, close() still resolves promptly', async () => {
    const other = await startMockProvider({ port: 0 });
    const client = new OpenAI({ apiKey: 'sk-close', baseURL: `${other.url}/openai/v1`, maxRetries: 0 });
    const hung = rejectionOf(chat('Hi [[mock:hang]]', client));
    expect(await eventually(() => other.stats().byStatus.hang === 1)).toBe(true);

    const started = Date.now();
    await other.close();

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await hung).toBeInstanceOf(OpenAI.APIConnectionError);
  });
});

describe('fail-times', () => {
  it('when a request carries [[mock:fail-times=2]] with a status, two identical calls fail and the third succeeds', async () => {
    const text = `retry me ${Date.now()} [[mock:fail-times=2]] [[mock:status=503]]`;

    const first = await rejectionOf(chat(text));
    const second = await rejectionOf(chat(text));
    const third = await chat(text);

    expect((first as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((second as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(third.choices[0]!.message.content).toContain('retry me');
  });

  it('when an identical request follows a different one, each body keeps its own failure count', async () => {
    const a = `first body ${Date.now()} [[mock:fail-times=1]] [[mock:status=429]]`;
    const b = `second body ${Date.now()} [[mock:fail-times=1]] [[mock:status=429]]`;

    expect(await rejectionOf(message(a))).toBeInstanceOf(Anthropic.RateLimitError);
    expect(await rejectionOf(message(b))).toBeInstanceOf(Anthropic.RateLimitError);
    expect((await message(a)).stop_reason).toBe('end_turn');
  });
});

describe('random faults from the behavior', () => {
  async function statusSequence(count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const response = await post(
        '/openai/v1/chat/completions',
        JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
        {
          authorization: 'Bearer sk-random',
        },
      );
      await response.text();
      statuses.push(response.status);
    }
    return statuses;
  }

  it('when errorRates and a seed are set, the same seed injects the same faults in the same order', async () => {
    mock.setBehavior({ errorRates: { '500': 0.3, '429': 0.2 }, seed: 42 });
    const first = await statusSequence(40);
    mock.setBehavior({ seed: 42 });
    const second = await statusSequence(40);

    expect(second).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(500);
    expect(first).toContain(429);
  });

  it('when a fault has probability 1, every request gets it', async () => {
    mock.setBehavior({ errorRates: { '502': 1 } });

    expect(await statusSequence(5)).toEqual([502, 502, 502, 502, 502]);
  });
});

describe('request validation and unknown routes', () => {
  it('when a request has no API key, each provider answers in its own auth error format', async () => {
    const body = JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    const openaiResponse = await post('/openai/v1/chat/completions', body);
    const anthropicResponse = await post('/anthropic/v1/messages', body);
    const geminiResponse = await post('/gemini/v1beta/models/m:generateContent', JSON.stringify({ contents: [] }));

    expect(openaiResponse.status).toBe(401);
    expect(await openaiResponse.json()).toMatchObject({
      error: { type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    });
    expect(anthropicResponse.status).toBe(401);
    expect(await anthropicResponse.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(geminiResponse.status).toBe(403);
    expect(await geminiResponse.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
  });

  it('when the body is not JSON, the provider answers 400 in its own format', async () => {
    const response = await post('/anthropic/v1/messages', '{"model": ', { 'x-api-key': 'sk-raw' });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('when required fields are missing, each SDK gets a 400', async () => {
    const openaiErr = await rejectionOf(openai().chat.completions.create({ model: 'm', messages: [] }));
    const anthropicErr = await rejectionOf(
      anthropic().messages.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      } as unknown as Anthropic.MessageCreateParamsNonStreaming),
    );
    // @google/genai refuses empty contents itself, so the Gemini case goes over plain HTTP.
    const geminiResponse = await post('/gemini/v1beta/models/m:generateContent', '{"contents":[]}', {
      'x-goog-api-key': 'raw',
    });

    expect(openaiErr).toBeInstanceOf(OpenAI.BadRequestError);
    expect(anthropicErr).toBeInstanceOf(Anthropic.BadRequestError);
    expect((anthropicErr as Error).message).toMatch(/max_tokens: Field required/);
    expect(geminiResponse.status).toBe(400);
    expect(await geminiResponse.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  });

  it('when a directive is misspelled, the request is rejected with a 400 naming it', async () => {
    const err = await rejectionOf(chat('Hi [[mock:staus=500]]'));

    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/unknown mock directive "staus"/);
  });

  it('when a route is unknown, the mock answers a plain JSON 404', async () => {
    const response = await fetch(`${mock.url}/openai/v1/assistants`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'No route for GET /openai/v1/assistants' },
    });
  });

  it('when the health route is fetched, it answers 200', async () => {
    expect((await fetch(`${mock.url}/healthz`)).status).toBe(200);
  });
});

describe('behavior updates', () => {
  it('when POST /_mock/behavior sets a latency, following requests are delayed by it', async () => {
    const response = await post('/_mock/behavior', JSON.stringify({ latencyMs: 150 }));
    const started = Date.now();
    await chat('Hi');

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ latencyMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('when POST /_mock/behavior has an unusable setting, it answers 400 naming the field and changes nothing', async () => {
    const response = await post('/_mock/behavior', JSON.stringify({ latencyMs: 10, errorRates: { '500': 2 } }));
    const started = Date.now();
    await chat('Hi');

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'invalid_behavior', message: 'errorRates.500: must be a probability between 0 and 1, got 2' },
    });
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('when setBehavior gets error rates adding up to more than 1, it throws a MockBehaviorError', () => {
    expect(() => mock.setBehavior({ errorRates: { '500': 0.6, hang: 0.6 } })).toThrow(MockBehaviorError);
  });
});
