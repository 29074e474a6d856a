import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { type MockCall, type MockProviderHandle, startMockProvider } from '../../src/mock-provider';
import { readMockProviderEnv } from '../../src/mock-provider/env-config';
import { WEATHER_TOOL } from '../helpers/provider-cases';

// Streamed answers through the official SDKs: the same answer as the non-streamed call, in each provider's events.

let mock: MockProviderHandle;

beforeAll(async () => {
  mock = await startMockProvider({ port: 0 });
});

beforeEach(() => {
  mock.setBehavior({ latencyMs: 0, errorRates: {}, streamChunkGapMs: 0 });
  mock.resetStats();
});

afterAll(async () => {
  await mock.close();
});

const openai = () => new OpenAI({ apiKey: 'sk-stream-openai', baseURL: `${mock.url}/openai/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: 'sk-stream-ant', baseURL: `${mock.url}/anthropic`, maxRetries: 0 });
const gemini = () => new GoogleGenAI({ apiKey: 'stream-gemini', httpOptions: { baseUrl: `${mock.url}/gemini` } });

const PROMPT = 'one two three four five six seven eight nine ten eleven twelve';
const MODEL = 'gpt-4o-mini';

function messages(text: string): OpenAI.ChatCompletionMessageParam[] {
  return [{ role: 'user', content: text }];
}

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<OpenAI.ChatCompletionChunk[]> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function joinedContent(chunks: readonly OpenAI.ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
}

function contentChunks(chunks: readonly OpenAI.ChatCompletionChunk[]): number {
  return chunks.filter((chunk) => (chunk.choices[0]?.delta.content ?? '') !== '').length;
}

/** Reads an OpenAI stream until it fails, counting the content chunks that arrived first. */
async function readUntilError(
  stream: AsyncIterable<OpenAI.ChatCompletionChunk>,
): Promise<{ error: unknown; chunks: number }> {
  const received: OpenAI.ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) received.push(chunk);
  } catch (error) {
    return { error, chunks: contentChunks(received) };
  }
  throw new Error('expected the stream to fail, but it completed');
}

/** The close of a cut connection reaches the mock a moment after the client sees it. */
async function loggedCall(predicate: (call: MockCall) => boolean): Promise<MockCall> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const call = mock.calls().calls.find(predicate);
    if (call !== undefined) return call;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no matching call was logged');
}

describe('openai SDK', () => {
  it('when streaming, the joined deltas equal the non-streamed content, after a role chunk and before a stop', async () => {
    const plain = await openai().chat.completions.create({ model: MODEL, messages: messages(PROMPT) });
    const chunks = await collect(
      await openai().chat.completions.create({ model: MODEL, messages: messages(PROMPT), stream: true }),
    );

    expect(joinedContent(chunks)).toBe(plain.choices[0]!.message.content);
    expect(contentChunks(chunks)).toBeGreaterThanOrEqual(5);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0]!.id)).toBe(true);
    expect(chunks.every((chunk) => !('usage' in chunk))).toBe(true);
  });

  it('when include_usage is asked for, a last chunk without choices carries the non-streamed usage', async () => {
    const plain = await openai().chat.completions.create({ model: MODEL, messages: messages(PROMPT) });
    const chunks = await collect(
      await openai().chat.completions.create({
        model: MODEL,
        messages: messages(PROMPT),
        stream: true,
        stream_options: { include_usage: true },
      }),
    );

    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(plain.usage);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(joinedContent(chunks)).toBe(plain.choices[0]!.message.content);
  });

  it('when the answer is a tool call, the streamed pieces reassemble to the same name and arguments', async () => {
    const request = { model: MODEL, messages: messages('weather in Paris'), tools: [WEATHER_TOOL] };
    const plain = await openai().chat.completions.create({ ...request, tool_choice: 'required' });
    const chunks = await collect(
      await openai().chat.completions.create({ ...request, tool_choice: 'required', stream: true }),
    );

    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    const opening = deltas[0]!;
    const args = deltas.map((delta) => delta.function?.arguments ?? '').join('');
    const expected = plain.choices[0]!.message.tool_calls![0]!;
    expect(expected.type).toBe('function');
    if (expected.type !== 'function') return;
    expect(opening).toMatchObject({ index: 0, type: 'function', function: { name: expected.function.name } });
    expect(opening.id).toMatch(/^call_/);
    expect(deltas.length).toBeGreaterThan(2);
    expect(JSON.parse(args)).toEqual(JSON.parse(expected.function.arguments));
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('when a fault comes before the answer, the stream request gets the error status, not a stream', async () => {
    const error = await openai()
      .chat.completions.create({ model: MODEL, messages: messages('hi [[mock:status=503]]'), stream: true })
      .then(
        () => undefined,
        (err: unknown) => err,
      );

    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });
});

describe('anthropic SDK', () => {
  const request = {
    model: 'claude-haiku-4-5',
    max_tokens: 256,
    messages: [{ role: 'user' as const, content: PROMPT }],
  };

  it('when streaming with messages.stream, the final message equals the non-streamed one', async () => {
    const plain = await anthropic().messages.create(request);
    const final = await anthropic().messages.stream(request).finalMessage();

    expect(final.content).toEqual(plain.content);
    expect(final.stop_reason).toBe(plain.stop_reason);
    expect(final.usage.input_tokens).toBe(plain.usage.input_tokens);
    expect(final.usage.output_tokens).toBe(plain.usage.output_tokens);
  });

  it('when streaming with create, the events come in the Messages API order', async () => {
    const types: string[] = [];
    let text = '';
    for await (const event of await anthropic().messages.create({ ...request, stream: true })) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }

    const plain = await anthropic().messages.create(request);
    const [block] = plain.content;
    expect(text).toBe(block?.type === 'text' ? block.text : undefined);
    expect(types[0]).toBe('message_start');
    expect(types.slice(-4)).toEqual(['content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(types.filter((type) => type === 'content_block_delta').length).toBeGreaterThanOrEqual(5);
  });

  it('when the answer is a tool use, its input JSON streams in pieces to the same input', async () => {
    const toolRequest = {
      ...request,
      messages: [{ role: 'user' as const, content: 'weather in Paris' }],
      tools: [{ name: 'get_weather', input_schema: WEATHER_TOOL.function.parameters as Anthropic.Tool.InputSchema }],
      tool_choice: { type: 'any' as const },
    };
    const plain = await anthropic().messages.create(toolRequest);
    const final = await anthropic().messages.stream(toolRequest).finalMessage();

    // Ids are unique per answer, so the two answers differ in them only.
    const withoutId = (content: Anthropic.ContentBlock[]) =>
      content.map((block) => (block.type === 'tool_use' ? { ...block, id: 'same' } : block));
    expect(final.content[0]).toMatchObject({ type: 'tool_use', id: expect.stringMatching(/^toolu_/) });
    expect(withoutId(final.content)).toEqual(withoutId(plain.content));
    expect(final.stop_reason).toBe('tool_use');
  });
});

describe('google genai SDK', () => {
  it('when streaming, the joined chunk texts equal the non-streamed text, the last chunk carrying finish and usage', async () => {
    const request = { model: 'gemini-2.5-flash', contents: PROMPT };
    const plain = await gemini().models.generateContent(request);
    const chunks = [];
    for await (const chunk of await gemini().models.generateContentStream(request)) chunks.push(chunk);

    expect(chunks.map((chunk) => chunk.text ?? '').join('')).toBe(plain.text);
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    const last = chunks.at(-1)!;
    expect(last.candidates![0]!.finishReason).toBe('STOP');
    expect(last.usageMetadata).toEqual(plain.usageMetadata);
  });
});

describe('chunk gap', () => {
  async function streamMs(text: string): Promise<number> {
    const started = Date.now();
    await collect(await openai().chat.completions.create({ model: MODEL, messages: messages(text), stream: true }));
    return Date.now() - started;
  }

  it('when a request asks for chunk-gap=50, its chunks are spaced by at least that', async () => {
    expect(await streamMs(`${PROMPT} [[mock:chunk-gap=50]]`)).toBeGreaterThanOrEqual(200);
  });

  it('when the behavior sets streamChunkGapMs, every stream is spaced, and the directive overrides it', async () => {
    mock.setBehavior({ streamChunkGapMs: 50 });
    expect(await streamMs(PROMPT)).toBeGreaterThanOrEqual(200);
    expect(await streamMs(`${PROMPT} [[mock:chunk-gap=0]]`)).toBeLessThan(200);
  });

  it('when set over HTTP or from the environment, the gap is validated like the other settings', async () => {
    const ok = await fetch(`${mock.url}/_mock/behavior`, {
      method: 'POST',
      body: JSON.stringify({ streamChunkGapMs: 5 }),
    });
    expect(((await ok.json()) as { streamChunkGapMs: number }).streamChunkGapMs).toBe(5);
    const bad = await fetch(`${mock.url}/_mock/behavior`, {
      method: 'POST',
      body: JSON.stringify({ streamChunkGapMs: -1 }),
    });
    expect(bad.status).toBe(400);
    expect(readMockProviderEnv({ MOCK_PROVIDER_STREAM_CHUNK_GAP_MS: '25' }).streamChunkGapMs).toBe(25);
    expect(() => readMockProviderEnv({ MOCK_PROVIDER_STREAM_CHUNK_GAP_MS: 'soon' })).toThrow(
      /MOCK_PROVIDER_STREAM_CHUNK_GAP_MS/,
    );
  });
});

describe('mid-stream faults', () => {
  it('when a request asks for stream-drop=2, the SDK raises after two content chunks and the call is logged as cut', async () => {
    const stream = await openai().chat.completions.create({
      model: MODEL,
      messages: messages(`${PROMPT} [[mock:stream-drop=2]]`),
      stream: true,
    });
    const { error, chunks } = await readUntilError(stream);

    expect(error).toHaveProperty('message');
    expect(chunks).toBe(2);
    const call = await loggedCall((c) => c.streamed !== undefined);
    expect(call.streamed).toBe('cut');
    expect(call.completionTokens).toBeGreaterThan(0);
  });

  it('when a request asks for stream-malformed=1, the SDK raises on the chunk that is not JSON', async () => {
    // The SDK logs the line it cannot parse before raising; expected here, so not worth printing.
    const quiet = new OpenAI({ apiKey: 'sk-stream-openai', baseURL: `${mock.url}/openai/v1`, logLevel: 'off' });
    const stream = await quiet.chat.completions.create({
      model: MODEL,
      messages: messages(`${PROMPT} [[mock:stream-malformed=1]]`),
      stream: true,
    });
    const { error, chunks } = await readUntilError(stream);

    expect(error).toHaveProperty('message');
    expect(chunks).toBe(1);
  });

  it('when anthropic and gemini streams are dropped or malformed, their SDKs raise too', async () => {
    const dropped = anthropic()
      .messages.stream({
        model: 'claude-haiku-4-5',
        max_tokens: 256,
        messages: [{ role: 'user', content: `${PROMPT} [[mock:stream-drop=1]]` }],
      })
      .finalMessage();
    await expect(dropped).rejects.toThrow();

    const malformed = async (): Promise<void> => {
      const contents = `${PROMPT} [[mock:stream-malformed=2]]`;
      for await (const chunk of await gemini().models.generateContentStream({ model: 'gemini-2.5-flash', contents })) {
        expect(chunk).toBeDefined();
      }
    };
    await expect(malformed()).rejects.toThrow();
  });

  it('when a request asks for stream-hang=1, the stream stays open after one chunk until the client gives up', async () => {
    const controller = new AbortController();
    const stream = await openai().chat.completions.create(
      { model: MODEL, messages: messages(`${PROMPT} [[mock:stream-hang=1]]`), stream: true },
      { signal: controller.signal },
    );
    const timer = setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    // The SDK ends an aborted stream's iteration quietly rather than raising.
    const chunks = await collect(stream);
    clearTimeout(timer);

    expect(contentChunks(chunks)).toBe(1);
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const call = await loggedCall((c) => c.streamed !== undefined);
    expect(call.streamed).toBe('cut');
  });

  it('when the client goes away between spaced chunks, the mock logs a cut call and keeps answering', async () => {
    const controller = new AbortController();
    const stream = await openai().chat.completions.create(
      { model: MODEL, messages: messages(`${PROMPT} [[mock:chunk-gap=200]]`), stream: true },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    const chunks = await collect(stream);

    expect(contentChunks(chunks)).toBeLessThan(5);
    expect((await loggedCall((c) => c.streamed !== undefined)).streamed).toBe('cut');
    const after = await openai().chat.completions.create({ model: MODEL, messages: messages('still there?') });
    expect(after.choices[0]!.message.content).toContain('still there?');
  });
});

describe('call log', () => {
  it('when a stream completes, it is logged once with the tokens of the non-streamed call', async () => {
    await openai().chat.completions.create({ model: MODEL, messages: messages(PROMPT) });
    await collect(await openai().chat.completions.create({ model: MODEL, messages: messages(PROMPT), stream: true }));

    const { calls } = mock.calls();
    expect(calls).toHaveLength(2);
    const [plain, streamed] = calls;
    expect(plain).not.toHaveProperty('streamed');
    expect(streamed).toMatchObject({
      streamed: 'complete',
      promptTokens: plain!.promptTokens,
      completionTokens: plain!.completionTokens,
      endpoint: 'openai.chat',
    });
  });

  it('when a stream is cut, it is logged as cut with fewer output tokens than the whole answer', async () => {
    // The same text unstreamed: a stream directive does nothing there, and the marker counts towards the prompt.
    const whole = await openai().chat.completions.create({
      model: MODEL,
      messages: messages(`${PROMPT} [[mock:stream-drop=1]]`),
    });
    await readUntilError(
      await openai().chat.completions.create({
        model: MODEL,
        messages: messages(`${PROMPT} [[mock:stream-drop=1]]`),
        stream: true,
      }),
    );

    const cut = await loggedCall((c) => c.streamed === 'cut');
    expect(cut.promptTokens).toBe(whole.usage!.prompt_tokens);
    expect(cut.completionTokens).toBeLessThan(whole.usage!.completion_tokens);
    expect(mock.stats()).toEqual({
      total: 2,
      byEndpoint: { 'openai.chat': 2 },
      byKey: { 'sk-stream-openai': 2 },
      byStatus: { '200': 2 },
      abortedConnections: expect.any(Number),
    });
  });
});
