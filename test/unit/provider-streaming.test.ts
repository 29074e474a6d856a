import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../activities/providers/provider-error';
import { createProviderAdapter } from '../../activities/providers/registry';
import type { ChatStreamCallInput, ChatStreamOutcome, ProviderAdapter } from '../../activities/providers/types';
import type { ChatCompletion, ChatRequest, ChatToolCall, ProviderType } from '../../src/contract/chat';
import type { ChatStreamDelta } from '../../src/contract/chat-stream';
import { FailureType } from '../../src/contract/failure-types';
import { type MockCall, type MockProviderHandle, startMockProvider } from '../../src/mock-provider';
import { PROVIDERS, SDK_ABORT_ERRORS, WEATHER_TOOL } from '../helpers/provider-cases';

// chatStream() of every adapter against the mock provider's streams: the same answer as chat(), in pieces.

/** What the OpenAI and Anthropic SDKs print for each event they cannot parse, before they raise. */
const UNPARSEABLE_EVENT_LOG = /^(Could not parse message into JSON|From chunk)/;

// The SDKs bind console.error once, on their first log, so the filter must be in place before any call.
beforeAll(() => {
  const print = console.error.bind(console);
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    if (typeof args[0] !== 'string' || !UNPARSEABLE_EVENT_LOG.test(args[0])) print(...args);
  });
});

afterAll(() => {
  jest.restoreAllMocks();
});

/** Twelve words: the mock streams text three words a piece, so this comes in several pieces. */
const PROMPT = 'one two three four five six seven eight nine ten eleven twelve';

const FORECAST_FORMAT: ChatRequest['response_format'] = {
  type: 'json_schema',
  json_schema: {
    name: 'forecast',
    strict: true,
    schema: {
      type: 'object',
      properties: { city: { type: 'string' }, summary: { type: 'string' }, high: { type: 'integer' } },
      required: ['city', 'summary', 'high'],
      additionalProperties: false,
    },
  },
};

/** Faults the mock answers before any stream, as [what, directive]. */
function faultsBeforeFirstToken(type: ProviderType): Array<[string, string]> {
  return [
    ['an HTTP 429', '[[mock:status=429]] [[mock:retry-after=2]]'],
    ['an HTTP 500', '[[mock:status=500]]'],
    ['an HTTP 503', '[[mock:status=503]]'],
    ['an HTTP 401', '[[mock:status=401]]'],
    ['an HTTP 400', '[[mock:status=400]]'],
    ['an exhausted quota', '[[mock:quota]]'],
    // Gemini blocks a prompt with a 200 and no candidates: the real API streams that as an event (tested below
    // against a server that does), where the mock answers the stream request with one JSON body.
    ...(type === 'gemini' ? [] : [['a content-policy refusal', '[[mock:content-policy]]'] as [string, string]]),
    ['a 200 whose body is not the streaming format', '[[mock:malformed]]'],
  ];
}

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

type StreamInput = Omit<ChatStreamCallInput, 'onDelta'>;

interface Streamed {
  outcome: ChatStreamOutcome;
  deltas: ChatStreamDelta[];
}

async function streamed(adapter: ProviderAdapter, input: StreamInput): Promise<Streamed> {
  const deltas: ChatStreamDelta[] = [];
  const outcome = await adapter.chatStream!({ ...input, onDelta: (delta) => deltas.push(delta) });
  return { outcome, deltas };
}

/** Runs a stream expected to fail; returns the rejection and the deltas that arrived first. */
async function failedStream(
  adapter: ProviderAdapter,
  input: StreamInput,
  onDelta: (delta: ChatStreamDelta) => void = () => undefined,
): Promise<{ error: unknown; deltas: ChatStreamDelta[] }> {
  const deltas: ChatStreamDelta[] = [];
  try {
    await adapter.chatStream!({
      ...input,
      onDelta: (delta) => {
        deltas.push(delta);
        onDelta(delta);
      },
    });
  } catch (error) {
    return { error, deltas };
  }
  throw new Error('expected the stream to fail, but it completed');
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

function asProviderError(error: unknown): ProviderError {
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

function joined(deltas: readonly ChatStreamDelta[], field: 'content' | 'refusal', index = 0): string {
  return deltas
    .filter((delta) => delta.index === index)
    .map((delta) => delta.delta[field] ?? '')
    .join('');
}

function contentDeltas(deltas: readonly ChatStreamDelta[]): number {
  return deltas.filter((delta) => (delta.delta.content ?? '') !== '').length;
}

/** The tool calls the pieces of choice 0 build: id, type and name from the first piece, arguments joined. */
function assembledToolCalls(deltas: readonly ChatStreamDelta[]): ChatToolCall[] {
  const calls: ChatToolCall[] = [];
  for (const piece of deltas.flatMap((delta) => (delta.index === 0 ? (delta.delta.tool_calls ?? []) : []))) {
    const call = calls[piece.index];
    if (call === undefined) {
      expect(piece).toMatchObject({ id: expect.any(String), type: 'function', function: { name: expect.any(String) } });
      calls[piece.index] = {
        id: piece.id!,
        type: 'function',
        function: { name: piece.function!.name!, arguments: piece.function?.arguments ?? '' },
      };
    } else {
      expect(piece.id).toBeUndefined();
      call.function.arguments += piece.function?.arguments ?? '';
    }
  }
  return calls;
}

/** One choice's pieces: the role on the first only, the finish reason on the last only. */
function expectFramed(deltas: readonly ChatStreamDelta[], finishReason: string): void {
  const own = deltas.filter((delta) => delta.index === 0);
  expect(own.length).toBeGreaterThanOrEqual(2);
  expect(own[0]!.delta.role).toBe('assistant');
  expect(own.slice(1).every((delta) => delta.delta.role === undefined)).toBe(true);
  expect(own.at(-1)!.finish_reason).toBe(finishReason);
  expect(own.slice(0, -1).every((delta) => delta.finish_reason === undefined)).toBe(true);
}

/** What chat() and chatStream() must agree on; ids (and so tool call ids) differ per answer. */
function answerOf(completion: ChatCompletion) {
  return {
    model: completion.model,
    usage: completion.usage,
    choices: completion.choices.map(({ index, message, finish_reason: finishReason }) => ({
      index,
      content: message.content,
      refusal: message.refusal,
      toolCalls: message.tool_calls?.map((call) => ({ type: call.type, function: call.function })),
      finishReason,
    })),
  };
}

/** The close of a cut connection reaches the mock a moment after the client sees it. */
async function loggedCall(mock: MockProviderHandle, predicate: (call: MockCall) => boolean): Promise<MockCall> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const call = mock.calls().calls.find(predicate);
    if (call !== undefined) return call;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no matching call was logged');
}

describe.each(PROVIDERS)('chatStream of the $type adapter against the mock provider', ({ type, path, model }) => {
  let mock: MockProviderHandle;
  let adapter: ProviderAdapter;
  let connect: (timeoutMs: number) => ProviderAdapter;

  beforeAll(async () => {
    mock = await startMockProvider({ port: 0 });
    connect = (timeoutMs) =>
      createProviderAdapter(type, { baseUrl: `${mock.url}${path}`, apiKey: 'sk-stream', timeoutMs });
    adapter = connect(10_000);
  });

  beforeEach(() => {
    mock.setBehavior({ latencyMs: 0, errorRates: {}, streamChunkGapMs: 0 });
    mock.resetStats();
  });

  afterAll(async () => {
    await mock.close();
  });

  it('streams plain text in several content pieces that join to what chat() answers', async () => {
    const request = chat(PROMPT);
    const plain = await adapter.chat({ model, request });
    const { outcome, deltas } = await streamed(adapter, { model, request });

    expect(contentDeltas(deltas)).toBeGreaterThanOrEqual(3);
    expect(joined(deltas, 'content')).toBe(plain.choices[0]!.message.content);
    expect(joined(deltas, 'content')).toContain(PROMPT);
    expectFramed(deltas, 'stop');
    expect(outcome.deltas).toBe(deltas.length);
    expect(outcome.usageEstimated).toBe(false);
    expect(outcome.completion.object).toBe('chat.completion');
    expect(answerOf(outcome.completion)).toEqual(answerOf(plain));
  });

  it("streams a tool call as an opening piece and argument pieces that rebuild chat()'s call", async () => {
    const request = chat('What is the weather in Paris?', { tools: [WEATHER_TOOL], tool_choice: 'required' });
    const plain = await adapter.chat({ model, request });
    const { outcome, deltas } = await streamed(adapter, { model, request });

    const calls = assembledToolCalls(deltas);
    const completed = outcome.completion.choices[0]!.message.tool_calls!;
    expect(calls).toEqual(completed);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.function.name).toBe('get_weather');
    expect(JSON.parse(calls[0]!.function.arguments)).toMatchObject({ city: expect.any(String) });
    expect(joined(deltas, 'content')).toBe('');
    expectFramed(deltas, 'tool_calls');
    expect(answerOf(outcome.completion)).toEqual(answerOf(plain));
  });

  it("streams a json_schema answer as content pieces that join to chat()'s JSON content", async () => {
    const request = chat('Forecast for Lyon as JSON', { response_format: FORECAST_FORMAT });
    const plain = await adapter.chat({ model, request });
    const { outcome, deltas } = await streamed(adapter, { model, request });

    const content = joined(deltas, 'content');
    expect(content).toBe(plain.choices[0]!.message.content);
    expect(content).toBe(outcome.completion.choices[0]!.message.content);
    expect(JSON.parse(content)).toEqual({
      city: expect.any(String),
      summary: expect.any(String),
      high: expect.any(Number),
    });
    // Anthropic's forced tool streams its input 16 characters a piece; the others' JSON text has no spaces to split at.
    expect(contentDeltas(deltas)).toBeGreaterThanOrEqual(type === 'anthropic' ? 2 : 1);
    expect(deltas.some((delta) => delta.delta.tool_calls !== undefined)).toBe(false);
    expectFramed(deltas, 'stop');
    expect(answerOf(outcome.completion)).toEqual(answerOf(plain));
  });

  it("reports the provider's usage: chat()'s, and what the mock logged for the completed stream", async () => {
    const request = chat(PROMPT);
    const plain = await adapter.chat({ model, request });
    const { outcome } = await streamed(adapter, { model, request });

    const { usage } = outcome.completion;
    expect(usage).toEqual(plain.usage);
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    const logged = await loggedCall(mock, (call) => call.streamed !== undefined);
    expect(logged).toMatchObject({
      streamed: 'complete',
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      apiKey: 'sk-stream',
    });
  });

  it('fails with SERVER_ERROR, and the deltas sent so far, when the connection drops mid-stream', async () => {
    const { error, deltas } = await failedStream(adapter, { model, request: chat(`${PROMPT} [[mock:stream-drop=2]]`) });

    const failure = asProviderError(error);
    expect(failure.type).toBe(FailureType.ServerError);
    expect(failure.details.streamedDeltas).toBe(2);
    expect(deltas).toHaveLength(2);
    expect(contentDeltas(deltas)).toBe(2);
    expect((await loggedCall(mock, (call) => call.streamed !== undefined)).streamed).toBe('cut');
  });

  it('fails with MALFORMED_RESPONSE, and the deltas sent so far, when an event is not JSON', async () => {
    const request = chat(`${PROMPT} [[mock:stream-malformed=2]]`);
    const { error, deltas } = await failedStream(adapter, { model, request });

    const failure = asProviderError(error);
    expect(failure.type).toBe(FailureType.MalformedResponse);
    expect(failure.details.streamedDeltas).toBe(2);
    expect(deltas).toHaveLength(2);
  });

  it('fails with TIMEOUT once the stream is silent for idleTimeoutMs, long before the call timeout', async () => {
    const started = Date.now();
    const { error, deltas } = await failedStream(adapter, {
      model,
      request: chat(`${PROMPT} [[mock:stream-hang=2]]`),
      idleTimeoutMs: 300,
    });

    const elapsed = Date.now() - started;
    const failure = asProviderError(error);
    expect(failure.type).toBe(FailureType.Timeout);
    expect(failure.message).toMatch(/300 ms/);
    expect(failure.details.streamedDeltas).toBe(2);
    expect(deltas).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('fails with TIMEOUT when the whole stream outlasts the call timeout, though events keep coming', async () => {
    const started = Date.now();
    const { error, deltas } = await failedStream(adapter, {
      model,
      // Anthropic sends three framing events before its first text; 100 ms apart, text still comes before 400 ms.
      request: chat(`${PROMPT} ${PROMPT} [[mock:chunk-gap=100]]`),
      timeoutMs: 400,
    });

    const failure = asProviderError(error);
    expect(failure.type).toBe(FailureType.Timeout);
    expect(failure.message).toMatch(/400 ms/);
    expect(failure.details.streamedDeltas).toBe(deltas.length);
    expect(deltas.length).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each(faultsBeforeFirstToken(type))(
    'classifies %s before the first token as chat() does, with no streamed deltas',
    async (_what, directive) => {
      const request = chat(`Hi ${directive}`);
      const expected = asProviderError(await rejectionOf(adapter.chat({ model, request })));
      const { error, deltas } = await failedStream(adapter, { model, request });

      const failure = asProviderError(error);
      expect(failure.type).toBe(expected.type);
      expect(failure.details.status).toBe(expected.details.status);
      expect(failure.details.providerCode).toBe(expected.details.providerCode);
      expect(failure.details.retryAfterMs).toBe(expected.details.retryAfterMs);
      expect(failure.details.streamedDeltas ?? 0).toBe(0);
      expect(deltas).toEqual([]);
    },
  );

  it('classifies a fault drawn from the error rates before the first token as chat() does', async () => {
    mock.setBehavior({ errorRates: { '503': 1 } });
    const request = chat('Hi');
    const expected = asProviderError(await rejectionOf(adapter.chat({ model, request })));
    const { error, deltas } = await failedStream(adapter, { model, request });

    const failure = asProviderError(error);
    expect(expected.type).toBe(FailureType.Overloaded);
    expect(failure.type).toBe(expected.type);
    expect(failure.details.status).toBe(503);
    expect(failure.details.streamedDeltas).toBeUndefined();
    expect(deltas).toEqual([]);
  });

  it('rejects with the abort, as chat() does, and closes the stream when the signal aborts mid-stream', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const { error, deltas } = await failedStream(
      adapter,
      { model, request: chat(`${PROMPT} [[mock:chunk-gap=200]]`), signal: controller.signal },
      () => {
        if (!controller.signal.aborted) setTimeout(() => controller.abort(), 50);
      },
    );

    expect(error).not.toBeInstanceOf(ProviderError);
    const sdkAbort = SDK_ABORT_ERRORS[type];
    // @google/genai lets fetch's AbortError through as it is (a DOMException of Node's realm, not Jest's).
    if (sdkAbort) expect(error).toBeInstanceOf(sdkAbort);
    else expect(error).toHaveProperty('name', 'AbortError');
    expect(deltas.length).toBeGreaterThanOrEqual(1);
    expect(deltas.some((delta) => delta.finish_reason !== undefined)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await loggedCall(mock, (call) => call.streamed !== undefined)).streamed).toBe('cut');
  });

  it('rejects with what onDelta threw, unclassified, and closes the stream', async () => {
    const thrown = new Error('the client went away');
    const { error, deltas } = await failedStream(
      adapter,
      { model, request: chat(`${PROMPT} [[mock:chunk-gap=50]]`) },
      () => {
        throw thrown;
      },
    );

    expect(error).toBe(thrown);
    expect(deltas).toHaveLength(1);
    expect((await loggedCall(mock, (call) => call.streamed !== undefined)).streamed).toBe('cut');
  });
});

/** A server that answers every POST with `reply`, for streams the mock does not send. */
async function serve(
  reply: (body: Record<string, unknown>, res: ServerResponse, url: string) => void,
): Promise<Server> {
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => reply(JSON.parse(text) as Record<string, unknown>, res, req.url ?? ''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

function sse(res: ServerResponse, events: ReadonlyArray<{ event?: string; data: unknown }>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const { event, data } of events) {
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    res.write(event === undefined ? `data: ${payload}\n\n` : `event: ${event}\ndata: ${payload}\n\n`);
  }
  res.end();
}

describe('chatStream of the openai adapters against servers the mock does not imitate', () => {
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'llama3.1:8b',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  let server: Server;
  let finishes = true;
  let requested: Record<string, unknown> | undefined;

  beforeAll(async () => {
    // A compatible server that ignores stream_options: no usage chunk, ever.
    server = await serve((body, res) => {
      requested = body;
      sse(res, [
        { data: chunk({ role: 'assistant', content: '' }) },
        { data: chunk({ content: 'Hello' }) },
        { data: chunk({ content: ' there, friend' }) },
        ...(finishes ? [{ data: chunk({}, 'stop') }] : []),
        { data: '[DONE]' },
      ]);
    });
  });

  afterAll(() => stop(server));

  const adapterOf = (type: 'openai' | 'openai-compatible') => {
    const { port } = server.address() as AddressInfo;
    return createProviderAdapter(type, { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'k', timeoutMs: 5000 });
  };

  it('asks for a stream with its usage, and estimates the usage a server does not send', async () => {
    finishes = true;
    const request = chat('Say hello to me');
    const { outcome, deltas } = await streamed(adapterOf('openai-compatible'), { model: 'llama3.1:8b', request });

    expect(requested).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(joined(deltas, 'content')).toBe('Hello there, friend');
    expect(outcome.usageEstimated).toBe(true);
    // ceil(chars / 4): "You are a test." + "Say hello to me" is 30 characters, "Hello there, friend" 19.
    expect(outcome.completion.usage).toEqual({ prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 });
    expect(outcome.completion.model).toBe('llama3.1:8b');
  });

  it('reads a stream that ends without a finish reason as truncated from OpenAI, as a stop from a compatible server', async () => {
    finishes = false;
    const request = chat('Say hello to me');
    const { error, deltas } = await failedStream(adapterOf('openai'), { model: 'gpt-4o-mini', request });
    const failure = asProviderError(error);
    expect(failure.type).toBe(FailureType.ServerError);
    expect(failure.details.streamedDeltas).toBe(2);
    expect(deltas).toHaveLength(2);

    const lenient = await streamed(adapterOf('openai-compatible'), { model: 'llama3.1:8b', request });
    expect(lenient.outcome.completion.choices[0]!.finish_reason).toBe('stop');
    expect(lenient.deltas.at(-1)!.finish_reason).toBe('stop');
  });
});

describe('chatStream of the anthropic adapter against thinking and spaced tool input', () => {
  let server: Server;
  const message = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-haiku-4-5',
    content: [
      { type: 'thinking', thinking: 'The user wants weather.', signature: 'sig' },
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'New York', days: 3 } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 40, cache_read_input_tokens: 10, cache_creation_input_tokens: 0, output_tokens: 30 },
  };
  const refusal = {
    ...message,
    id: 'msg_2',
    content: [],
    stop_reason: 'refusal',
    usage: { input_tokens: 40, output_tokens: 0 },
  };

  beforeAll(async () => {
    server = await serve((body, res) => {
      const refuse = JSON.stringify(body).includes('refuse');
      if (body['stream'] !== true) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(refuse ? refusal : message));
        return;
      }
      const event = (data: Record<string, unknown> & { type: string }) => ({ event: data.type, data });
      if (refuse) {
        sse(res, [
          event({ type: 'message_start', message: { ...refusal, stop_reason: null } }),
          event({
            type: 'message_delta',
            delta: { stop_reason: 'refusal', stop_sequence: null },
            usage: { output_tokens: 0 },
          }),
          event({ type: 'message_stop' }),
        ]);
        return;
      }
      const start = { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } };
      sse(res, [
        event({ type: 'message_start', message: start }),
        event({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }),
        event({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'The user ' } }),
        event({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } }),
        event({ type: 'content_block_stop', index: 0 }),
        event({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
        event({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Let me ' } }),
        event({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'check.' } }),
        event({ type: 'content_block_stop', index: 1 }),
        event({
          type: 'content_block_start',
          index: 2,
          content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
        }),
        // The model's own spacing, split mid-string: the relayed pieces must still join to chat()'s arguments.
        event({
          type: 'content_block_delta',
          index: 2,
          delta: { type: 'input_json_delta', partial_json: '{"city": "New' },
        }),
        event({
          type: 'content_block_delta',
          index: 2,
          delta: { type: 'input_json_delta', partial_json: ' York",\n "days": 3}' },
        }),
        event({ type: 'content_block_stop', index: 2 }),
        event({
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null },
          usage: { output_tokens: 30 },
        }),
        event({ type: 'message_stop' }),
      ]);
    });
  });

  afterAll(() => stop(server));

  it("drops thinking, compacts the tool input to chat()'s arguments, and keeps cache usage", async () => {
    const { port } = server.address() as AddressInfo;
    const adapter = createProviderAdapter('anthropic', {
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'k',
      timeoutMs: 5000,
    });
    const request = chat('Weather in New York?', { tools: [WEATHER_TOOL] });
    const plain = await adapter.chat({ model: 'claude-haiku-4-5', request });
    const { outcome, deltas } = await streamed(adapter, { model: 'claude-haiku-4-5', request });

    expect(joined(deltas, 'content')).toBe('Let me check.');
    expect(joined(deltas, 'content')).toBe(plain.choices[0]!.message.content);
    expect(assembledToolCalls(deltas)).toEqual(plain.choices[0]!.message.tool_calls);
    expect(assembledToolCalls(deltas)[0]!.function.arguments).toBe('{"city":"New York","days":3}');
    expect(outcome.completion.choices).toEqual(plain.choices);
    expect(outcome.completion.usage).toEqual({
      prompt_tokens: 50,
      completion_tokens: 30,
      total_tokens: 80,
      prompt_tokens_details: { cached_tokens: 10 },
    });
    expectFramed(deltas, 'tool_calls');
    // Two texts, the call's opening, two argument pieces, the finish: nothing of the thinking block.
    expect(deltas).toHaveLength(6);
  });

  it("sends a refusal stop without text as chat()'s refusal on the last piece, finishing with content_filter", async () => {
    const { port } = server.address() as AddressInfo;
    const adapter = createProviderAdapter('anthropic', {
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'k',
      timeoutMs: 5000,
    });
    const request = chat('Please refuse this');
    const plain = await adapter.chat({ model: 'claude-haiku-4-5', request });
    const { outcome, deltas } = await streamed(adapter, { model: 'claude-haiku-4-5', request });

    expect(plain.choices[0]!.message.refusal).toEqual(expect.stringMatching(/\S/));
    expect(deltas).toEqual([
      {
        index: 0,
        delta: { role: 'assistant', refusal: plain.choices[0]!.message.refusal },
        finish_reason: 'content_filter',
      },
    ]);
    expect(answerOf(outcome.completion)).toEqual(answerOf(plain));
  });
});

describe('chatStream of the gemini adapter against thought summaries and a blocked prompt', () => {
  let server: Server;
  const usageMetadata = { promptTokenCount: 12, candidatesTokenCount: 6, thoughtsTokenCount: 20, totalTokenCount: 38 };
  const answer = {
    candidates: [
      {
        index: 0,
        content: {
          role: 'model',
          parts: [{ text: 'Weighing the options.', thought: true }, { text: 'Take the train.' }],
        },
        finishReason: 'STOP',
      },
    ],
    usageMetadata,
    modelVersion: 'gemini-2.5-pro',
    responseId: 'resp-1',
  };
  const blocked = {
    promptFeedback: { blockReason: 'SAFETY', blockReasonMessage: 'Blocked for safety.' },
    usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
    modelVersion: 'gemini-2.5-pro',
  };

  beforeAll(async () => {
    server = await serve((body, res, url) => {
      const block = JSON.stringify(body).includes('forbidden');
      if (!url.includes(':streamGenerateContent')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(block ? blocked : answer));
        return;
      }
      if (block) {
        sse(res, [{ data: blocked }]);
        return;
      }
      const piece = (part: Record<string, unknown>) => ({
        candidates: [{ content: { role: 'model', parts: [part] } }],
        modelVersion: 'gemini-2.5-pro',
      });
      sse(res, [
        { data: piece({ text: 'Weighing the options.', thought: true }) },
        { data: piece({ text: 'Take ' }) },
        { data: piece({ text: 'the train.' }) },
        {
          data: {
            candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' }],
            usageMetadata,
            modelVersion: 'gemini-2.5-pro',
            responseId: 'resp-1',
          },
        },
      ]);
    });
  });

  afterAll(() => stop(server));

  const adapter = () => {
    const { port } = server.address() as AddressInfo;
    return createProviderAdapter('gemini', { baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', timeoutMs: 5000 });
  };

  it('leaves thought summaries out of the deltas and the content, and bills thinking as output like chat()', async () => {
    const request = chat('Train or plane?');
    const plain = await adapter().chat({ model: 'gemini-2.5-pro', request });
    const { outcome, deltas } = await streamed(adapter(), { model: 'gemini-2.5-pro', request });

    expect(joined(deltas, 'content')).toBe('Take the train.');
    expect(deltas).toHaveLength(3);
    expectFramed(deltas, 'stop');
    expect(answerOf(outcome.completion)).toEqual(answerOf(plain));
    expect(outcome.completion.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 26,
      total_tokens: 38,
      completion_tokens_details: { reasoning_tokens: 20 },
    });
  });

  it('fails a prompt blocked in the stream with CONTENT_POLICY, as chat() fails it, before any delta', async () => {
    const request = chat('Something forbidden');
    const expected = asProviderError(await rejectionOf(adapter().chat({ model: 'gemini-2.5-pro', request })));
    const { error, deltas } = await failedStream(adapter(), { model: 'gemini-2.5-pro', request });

    const failure = asProviderError(error);
    expect(expected.type).toBe(FailureType.ContentPolicy);
    expect(failure.type).toBe(expected.type);
    expect(failure.message).toBe(expected.message);
    expect(failure.details.providerCode).toBe('SAFETY');
    expect(failure.details.streamedDeltas ?? 0).toBe(0);
    expect(deltas).toEqual([]);
  });
});
