import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../activities/providers/provider-error';
import { createProviderAdapter } from '../../activities/providers/registry';
import type { ProviderAdapter } from '../../activities/providers/types';
import { type MockProviderHandle, startMockProvider } from '../../src/mock-provider';
import type { ChatRequest } from '../../src/contract/chat';
import { FailureType } from '../../src/contract/failure-types';
import { PROVIDERS, SDK_ABORT_ERRORS } from '../helpers/provider-cases';

function chat(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'alias',
    messages: [
      { role: 'system', content: 'You are a test.' },
      { role: 'user', content: text },
    ],
    ...extra,
  };
}

/** Runs `promise`, expecting it to reject, and returns the rejection. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

async function eventually(check: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  return check();
}

describe.each(PROVIDERS)('the $type adapter against the mock provider', ({ type, path, model }) => {
  let mock: MockProviderHandle;
  let adapter: ProviderAdapter;
  let connect: (options: { apiKey?: string; timeoutMs?: number }) => ProviderAdapter;

  beforeAll(async () => {
    mock = await startMockProvider({ port: 0 });
    connect = ({ apiKey = 'sk-test-key', timeoutMs = 10_000 }) =>
      createProviderAdapter(type, { baseUrl: `${mock.url}${path}`, apiKey, timeoutMs });
    adapter = connect({});
  });

  afterAll(async () => {
    await mock.close();
  });

  it('a chat call returns an OpenAI-shaped completion with text and usage', async () => {
    const completion = await adapter.chat({ model, request: chat('Say hello') });
    expect(adapter.type).toBe(type);
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toEqual(expect.any(String));
    expect(completion.model).toContain(model);
    expect(Number.isInteger(completion.created)).toBe(true);
    const choice = completion.choices[0];
    expect(choice?.message.role).toBe('assistant');
    expect(choice?.message.content).toEqual(expect.stringMatching(/\S/));
    expect(choice?.finish_reason).toBe('stop');
    expect(completion.usage.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage.total_tokens).toBe(completion.usage.prompt_tokens + completion.usage.completion_tokens);
  });

  it('a small max_tokens ends the answer with finish_reason length', async () => {
    const completion = await adapter.chat({
      model,
      request: chat('Tell me a long story about ships', { max_tokens: 1 }),
    });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage.completion_tokens).toBeLessThanOrEqual(1);
  });

  it('a 429 is RATE_LIMITED with the delay the provider asked for', async () => {
    const failure = await providerErrorOf(
      adapter.chat({ model, request: chat('Hi [[mock:status=429]] [[mock:retry-after=2]]') }),
    );
    expect(failure.type).toBe(FailureType.RateLimited);
    expect(failure.details.status).toBe(429);
    expect(failure.details.retryAfterMs).toBeGreaterThanOrEqual(1900);
    expect(failure.details.retryAfterMs).toBeLessThanOrEqual(2100);
  });

  it.each([
    [503, FailureType.Overloaded],
    [529, FailureType.Overloaded],
    [500, FailureType.ServerError],
    [502, FailureType.ServerError],
    [400, FailureType.InvalidRequest],
    [404, FailureType.InvalidRequest],
    [401, FailureType.Auth],
  ])('an HTTP %i from the provider is %s', async (status, expected) => {
    const failure = await providerErrorOf(adapter.chat({ model, request: chat(`Hi [[mock:status=${status}]]`) }));
    expect(failure.type).toBe(expected);
    expect(failure.details.status).toBe(status);
    expect(failure.message).not.toBe('');
  });

  it('a 200 with a broken body is MALFORMED_RESPONSE', async () => {
    const failure = await providerErrorOf(adapter.chat({ model, request: chat('Hi [[mock:malformed]]') }));
    expect(failure.type).toBe(FailureType.MalformedResponse);
  });

  it("a refusal in the provider's content-policy format is CONTENT_POLICY", async () => {
    const failure = await providerErrorOf(adapter.chat({ model, request: chat('Hi [[mock:content-policy]]') }));
    expect(failure.type).toBe(FailureType.ContentPolicy);
  });

  it("an exhausted quota in the provider's format is QUOTA_EXHAUSTED, not a rate limit", async () => {
    const failure = await providerErrorOf(adapter.chat({ model, request: chat('Hi [[mock:quota]]') }));
    expect(failure.type).toBe(FailureType.QuotaExhausted);
  });

  it('a connection without an API key fails as NOT_CONFIGURED without calling the provider', async () => {
    mock.resetStats();
    const failure = await providerErrorOf(connect({ apiKey: '' }).chat({ model, request: chat('Hi') }));
    expect(failure.type).toBe(FailureType.NotConfigured);
    expect(mock.stats().total).toBe(0);
  });

  it('a provider that never answers fails with TIMEOUT after the configured timeout', async () => {
    const started = Date.now();
    const failure = await providerErrorOf(
      connect({ timeoutMs: 300 }).chat({ model, request: chat('Hi [[mock:hang]]') }),
    );
    expect(failure.type).toBe(FailureType.Timeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('aborting the signal mid-call rejects with the abort, not a ProviderError, and closes the connection', async () => {
    mock.resetStats();
    const controller = new AbortController();
    const call = adapter.chat({ model, request: chat('Hi [[mock:hang]]'), signal: controller.signal });
    setTimeout(() => controller.abort(), 150);
    const error = await rejectionOf(call);
    expect(error).not.toBeInstanceOf(ProviderError);
    const sdkAbort = SDK_ABORT_ERRORS[type];
    // @google/genai lets fetch's DOMException AbortError through; under Jest's sandbox it re-wraps that
    // foreign-realm error in a plain Error, so only "not a ProviderError" is checked for it.
    if (sdkAbort) expect(error).toBeInstanceOf(sdkAbort);
    else expect(error).toBeInstanceOf(Error);
    expect(await eventually(() => mock.stats().abortedConnections >= 1)).toBe(true);
  });

  it('an abort after the answer\'s headers arrived still returns the answer, which the provider has billed', async () => {
    mock.resetStats();
    const controller = new AbortController();
    // The mock logs the call as paid when it sends the headers; the body follows 600 ms later.
    const headersIn = new Promise<void>((resolve) => {
      const seen = (): void => {
        unsubscribe('undici:request:headers', seen);
        resolve();
      };
      subscribe('undici:request:headers', seen);
    });
    const call = adapter.chat({ model, request: chat('Hi [[mock:body-delay=600]]'), signal: controller.signal });
    await headersIn;
    expect(mock.calls().calls).toHaveLength(1);
    const abortedBefore = mock.stats().abortedConnections;
    controller.abort();
    const completion = await call;
    expect(completion.choices[0]?.message.content).toContain('Hi');
    expect(completion.usage.completion_tokens).toBe(mock.calls().calls[0]?.completionTokens);
    expect(mock.stats().abortedConnections).toBe(abortedBefore);
  });

  it('an answer whose body stalls past the deadline fails with TIMEOUT even after its headers arrived', async () => {
    const failure = await providerErrorOf(
      connect({ timeoutMs: 300 }).chat({ model, request: chat('Hi [[mock:body-delay=5000]]') }),
    );
    expect(failure.type).toBe(FailureType.Timeout);
  });

  it('each call carries the connection API key', async () => {
    mock.resetStats();
    await connect({ apiKey: 'sk-key-of-this-connection' }).chat({ model, request: chat('Hi') });
    expect(mock.stats().byKey['sk-key-of-this-connection']).toBe(1);
  });
});

describe.each(PROVIDERS)('the $type adapter reuses connections', ({ type, model }) => {
  let server: Server;
  let connections = 0;
  let requests = 0;

  beforeAll(async () => {
    // A body that each of the three wire formats reads as a valid answer, so one server serves them all.
    const body = JSON.stringify({
      id: 'resp-1',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, input_tokens: 1, output_tokens: 1 },
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
    });
    server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sequential calls through one adapter reuse keep-alive connections instead of opening one per call', async () => {
    const { port } = server.address() as AddressInfo;
    const adapter = createProviderAdapter(type, { baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', timeoutMs: 5000 });
    const calls = 10;
    for (let call = 0; call < calls; call++) {
      const completion = await adapter.chat({ model, request: chat('Hi') });
      expect(completion.choices[0]?.message.content).toBe('ok');
    }
    expect(requests).toBe(calls);
    // undici may open a second socket while the first is being returned to its pool; never one per call.
    expect(connections).toBeLessThanOrEqual(2);
  });
});
