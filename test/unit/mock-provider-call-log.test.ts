import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { CallLog, type MockCall } from '../../src/mock-provider/call-log';
import { type MockCallLog, type MockProviderHandle, startMockProvider } from '../../src/mock-provider';

let mock: MockProviderHandle;

beforeAll(async () => {
  mock = await startMockProvider({ port: 0 });
});

beforeEach(() => {
  mock.setBehavior({ latencyMs: 0, errorRates: {} });
  mock.resetStats();
});

afterAll(async () => {
  await mock.close();
});

const openai = () => new OpenAI({ apiKey: 'sk-log-openai', baseURL: `${mock.url}/openai/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: 'sk-log-ant', baseURL: `${mock.url}/anthropic`, maxRetries: 0 });
const gemini = () => new GoogleGenAI({ apiKey: 'log-gemini', httpOptions: { baseUrl: `${mock.url}/gemini` } });

function chat(text: string, model = 'gpt-4o-mini'): Promise<OpenAI.ChatCompletion> {
  return openai().chat.completions.create({ model, messages: [{ role: 'user', content: text }] });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

async function httpCalls(): Promise<MockCallLog> {
  const response = await fetch(`${mock.url}/_mock/calls`);
  expect(response.status).toBe(200);
  return (await response.json()) as MockCallLog;
}

test('when each provider answers a completion, the log records its endpoint, format, model, key and usage as the client saw them', async () => {
  const before = Date.now();
  const completion = await chat('tenant-a: hello');
  const message = await anthropic().messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'tenant-b: hello' }],
  });
  const generated = await gemini().models.generateContent({ model: 'gemini-2.5-flash', contents: 'tenant-c: hello' });

  const { calls, dropped } = mock.calls();
  expect(dropped).toBe(0);
  expect(calls).toEqual([
    expect.objectContaining({
      endpoint: 'openai.chat',
      provider: 'openai',
      model: 'gpt-4o-mini',
      apiKey: 'sk-log-openai',
      promptTokens: completion.usage?.prompt_tokens,
      completionTokens: completion.usage?.completion_tokens,
      promptHead: 'tenant-a: hello',
    }),
    expect.objectContaining({
      endpoint: 'anthropic.messages',
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      apiKey: 'sk-log-ant',
      promptTokens: message.usage.input_tokens,
      completionTokens: message.usage.output_tokens,
      promptHead: 'tenant-b: hello',
    }),
    expect.objectContaining({
      endpoint: 'gemini.generateContent',
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      apiKey: 'log-gemini',
      promptTokens: generated.usageMetadata?.promptTokenCount,
      completionTokens: generated.usageMetadata?.candidatesTokenCount,
      promptHead: 'tenant-c: hello',
    }),
  ]);
  for (const call of calls) {
    expect(call.completionTokens).toBeGreaterThan(0);
    expect(call.at).toBeGreaterThanOrEqual(before);
    expect(call.at).toBeLessThanOrEqual(Date.now());
  }
  expect(calls.map((c) => c.sequence)).toEqual([...calls.map((c) => c.sequence)].sort((a, b) => a - b));
  expect(await httpCalls()).toEqual({ calls, dropped: 0 });
});

test('when a request fails, it is not in the log; when its retry succeeds, only the retry is', async () => {
  await rejectionOf(chat('bad one [[mock:status=400]]'));
  await rejectionOf(chat('overloaded [[mock:status=503]]'));
  await rejectionOf(chat('broken [[mock:malformed]]'));
  await rejectionOf(chat('refused [[mock:content-policy]]'));
  expect(mock.calls().calls).toEqual([]);

  await rejectionOf(chat('flaky [[mock:status=503]] [[mock:fail-times=1]]'));
  await chat('flaky [[mock:status=503]] [[mock:fail-times=1]]');
  const { calls } = mock.calls();
  expect(calls).toHaveLength(1);
  // The markers are stripped: the head is the prompt the caller wrote.
  expect(calls[0]?.promptHead).toBe('flaky');
  expect(mock.stats().byStatus).toEqual({ '200': 1, '400': 2, '503': 2, malformed: 1 });
});

test('when the client aborts a slow request before the answer, it counts as an aborted connection, not a call', async () => {
  const controller = new AbortController();
  const pending = openai().chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slow [[mock:latency=5000]]' }] },
    { signal: controller.signal },
  );
  const aborted = rejectionOf(pending);
  // Abort only once the mock has the request, so the abort is the mock's to notice.
  while (mock.stats().total === 0) await new Promise((r) => setTimeout(r, 10));
  controller.abort();
  await aborted;
  while (mock.stats().abortedConnections === 0) await new Promise((r) => setTimeout(r, 10));
  expect(mock.calls().calls).toEqual([]);
});

test('the prompt head keeps the first 64 characters of the last user message', async () => {
  await openai().chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'an earlier turn' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: `${'x'.repeat(60)}-and-then-some` },
    ],
  });
  expect(mock.calls().calls[0]?.promptHead).toBe(`${'x'.repeat(60)}-and`);
});

test('an embedding is logged with its input tokens and no output tokens', async () => {
  const response = await openai().embeddings.create({ model: 'text-embedding-3-small', input: 'embed me' });
  expect(mock.calls().calls).toEqual([
    expect.objectContaining({
      endpoint: 'openai.embeddings',
      promptTokens: response.usage.prompt_tokens,
      completionTokens: 0,
    }),
  ]);
});

test('the reset clears the log along with the stats, over HTTP as in process', async () => {
  await chat('one');
  await chat('two');
  expect(mock.calls().calls).toHaveLength(2);
  const reset = await fetch(`${mock.url}/_mock/reset`, { method: 'POST' });
  expect(reset.status).toBe(200);
  expect(await httpCalls()).toEqual({ calls: [], dropped: 0 });
  await chat('three');
  expect(mock.calls().calls.map((c) => c.promptHead)).toEqual(['three']);
  mock.resetStats();
  expect(mock.calls()).toEqual({ calls: [], dropped: 0 });
});

function fakeCall(sequence: number): MockCall {
  return {
    sequence,
    at: sequence,
    endpoint: 'openai.chat',
    provider: 'openai',
    model: 'gpt-4o-mini',
    apiKey: 'k',
    promptTokens: 1,
    completionTokens: 1,
    promptHead: `call ${sequence}`,
  };
}

test('when the log is full, the oldest calls make way and are counted as dropped', () => {
  const log = new CallLog(3);
  for (let i = 1; i <= 7; i++) log.record(fakeCall(i));
  expect(log.snapshot()).toEqual({ calls: [fakeCall(5), fakeCall(6), fakeCall(7)], dropped: 4 });
  log.clear();
  log.record(fakeCall(8));
  expect(log.snapshot()).toEqual({ calls: [fakeCall(8)], dropped: 0 });
});

test('a snapshot is a copy: later calls and edits to it do not change each other', () => {
  const log = new CallLog(10);
  log.record(fakeCall(1));
  const first = log.snapshot();
  first.calls[0]!.promptHead = 'edited';
  log.record(fakeCall(2));
  expect(first.calls).toHaveLength(1);
  expect(log.snapshot().calls.map((c) => c.promptHead)).toEqual(['call 1', 'call 2']);
});
