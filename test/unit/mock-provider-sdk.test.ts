import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { type MockProviderHandle, startMockProvider } from '../../src/mock-provider';

// The official SDKs against the mock: if they parse its answers, so will the gateway's adapters.

let mock: MockProviderHandle;

beforeAll(async () => {
  mock = await startMockProvider({ port: 0 });
});

afterAll(async () => {
  await mock.close();
});

function openai(apiKey = 'sk-openai-sdk'): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${mock.url}/openai/v1`, maxRetries: 0 });
}

function anthropic(apiKey = 'sk-ant-sdk'): Anthropic {
  return new Anthropic({ apiKey, baseURL: `${mock.url}/anthropic`, maxRetries: 0 });
}

function gemini(apiKey = 'gemini-sdk-key'): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: `${mock.url}/gemini` } });
}

function norm(vector: readonly number[]): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

describe('openai SDK', () => {
  it('when asked for a chat completion, it gets the echoed reply, a stop finish and token usage', async () => {
    const completion = await openai().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
    });

    const choice = completion.choices[0]!;
    expect(choice.message.content).toBe('Mock reply (gpt-4o-mini): What is the capital of France?');
    expect(choice.finish_reason).toBe('stop');
    expect(completion.model).toBe('gpt-4o-mini');
    // ceil((14 + 30) / 4) prompt tokens; ceil(55 / 4) completion tokens.
    expect(completion.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 14, total_tokens: 25 });
  });

  it('when the reply exceeds max_completion_tokens, it is cut to that budget and finishes with length', async () => {
    const completion = await openai().chat.completions.create({
      model: 'gpt-4o-mini',
      max_completion_tokens: 5,
      messages: [{ role: 'user', content: 'Tell me a long story about a lighthouse keeper.' }],
    });

    expect(completion.choices[0]!.finish_reason).toBe('length');
    expect(completion.choices[0]!.message.content).toBe('Mock reply (gpt-4o-m');
    expect(completion.usage!.completion_tokens).toBe(5);
  });

  it('when the last user message carries directives, they are left out of the echo', async () => {
    const completion = await openai().chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello [[mock:latency=1]] world' }] },
      { headers: { 'x-mock-status': '200' } },
    );

    expect(completion.choices[0]!.message.content).toBe('Mock reply (gpt-4o-mini): Hello world');
  });

  it('when asked for embeddings in the default (base64) encoding, it decodes deterministic unit vectors', async () => {
    const client = openai();
    const first = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    const asFloats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'alpha',
      encoding_format: 'float',
    });

    expect(first.data).toHaveLength(2);
    const alpha = first.data[0]!.embedding;
    expect(alpha).toHaveLength(16);
    expect(norm(alpha)).toBeCloseTo(1, 5);
    expect(asFloats.data[0]!.embedding).toEqual(alpha);
    expect(first.data[1]!.embedding).not.toEqual(alpha);
    // ceil(5 / 4) + ceil(4 / 4) tokens.
    expect(first.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it('when dimensions is set, the embedding has that many dimensions', async () => {
    const result = await openai().embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: 64 });

    expect(result.data[0]!.embedding).toHaveLength(64);
  });
});

describe('anthropic SDK', () => {
  it('when asked for a message with a system prompt, it gets text content, end_turn and usage', async () => {
    const message = await anthropic().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      system: 'You are terse.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Name a prime number.' }] }],
    });

    expect(message.id).toMatch(/^msg_/);
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.content).toEqual([{ type: 'text', text: 'Mock reply (claude-haiku-4-5): Name a prime number.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.stop_sequence).toBeNull();
    // ceil((14 + 20) / 4) input tokens; ceil(51 / 4) output tokens.
    expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 13 });
  });

  it('when the reply exceeds max_tokens, it is cut and stops with max_tokens', async () => {
    const message = await anthropic().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'Hello' }],
    });

    expect(message.stop_reason).toBe('max_tokens');
    expect(message.content[0]).toEqual({ type: 'text', text: 'Mock rep' });
    expect(message.usage.output_tokens).toBe(2);
  });
});

describe('@google/genai SDK', () => {
  it('when asked to generate content with a system instruction, it gets text, STOP and usage metadata', async () => {
    const response = await gemini().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Describe the sea.',
      config: { systemInstruction: 'Be brief.' },
    });

    expect(response.text).toBe('Mock reply (gemini-2.5-flash): Describe the sea.');
    expect(response.candidates![0]!.finishReason).toBe('STOP');
    expect(response.modelVersion).toBe('gemini-2.5-flash');
    expect(response.responseId).toEqual(expect.any(String));
    // ceil((9 + 17) / 4) prompt tokens; ceil(48 / 4) candidate tokens.
    expect(response.usageMetadata).toMatchObject({
      promptTokenCount: 7,
      candidatesTokenCount: 12,
      totalTokenCount: 19,
    });
  });

  it('when the reply exceeds maxOutputTokens, it is cut and finishes with MAX_TOKENS', async () => {
    const response = await gemini().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Describe the sea at length.',
      config: { maxOutputTokens: 3 },
    });

    expect(response.text).toBe('Mock reply (');
    expect(response.candidates![0]!.finishReason).toBe('MAX_TOKENS');
    expect(response.usageMetadata!.candidatesTokenCount).toBe(3);
  });

  it('when asked to embed content, it gets one deterministic unit vector per input', async () => {
    const client = gemini();
    const response = await client.models.embedContent({ model: 'gemini-embedding-001', contents: ['one', 'two'] });
    const again = await client.models.embedContent({ model: 'gemini-embedding-001', contents: 'one' });

    const values = response.embeddings!.map((embedding) => embedding.values!);
    expect(values).toHaveLength(2);
    expect(norm(values[0]!)).toBeCloseTo(1, 5);
    expect(values[0]).not.toEqual(values[1]);
    expect(again.embeddings![0]!.values).toEqual(values[0]);
  });

  it('when :embedContent is called directly, it answers { embedding: { values } }', async () => {
    const response = await fetch(`${mock.url}/gemini/v1beta/models/gemini-embedding-001:embedContent?key=raw`, {
      method: 'POST',
      body: JSON.stringify({ content: { parts: [{ text: 'one' }] }, outputDimensionality: 8 }),
    });
    const body = (await response.json()) as { embedding: { values: number[] } };

    expect(response.status).toBe(200);
    expect(body.embedding.values).toHaveLength(8);
    expect(norm(body.embedding.values)).toBeCloseTo(1, 5);
  });
});

describe('stats', () => {
  it('when each provider is called, requests are counted per endpoint, per key and per status', async () => {
    const before = mock.stats();
    await openai('sk-stats-a').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'a' }] });
    await openai('sk-stats-a').embeddings.create({ model: 'm', input: 'a' });
    await anthropic('sk-stats-b').messages.create({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'b' }],
    });
    await gemini('stats-c').models.generateContent({ model: 'm', contents: 'c' });
    await gemini('stats-c').models.embedContent({ model: 'm', contents: 'c' });
    const after = mock.stats();

    const delta = (key: string): number => (after.byEndpoint[key] ?? 0) - (before.byEndpoint[key] ?? 0);
    expect(after.total - before.total).toBe(5);
    expect(delta('openai.chat')).toBe(1);
    expect(delta('openai.embeddings')).toBe(1);
    expect(delta('anthropic.messages')).toBe(1);
    expect(delta('gemini.generateContent')).toBe(1);
    expect(delta('gemini.embedContent')).toBe(1);
    expect(after.byKey).toMatchObject({ 'sk-stats-a': 2, 'sk-stats-b': 1, 'stats-c': 2 });
    expect((after.byStatus['200'] ?? 0) - (before.byStatus['200'] ?? 0)).toBe(5);
  });

  it('when stats are reset, every counter starts again from zero', async () => {
    await openai().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'a' }] });
    mock.resetStats();

    expect(mock.stats()).toEqual({ total: 0, byEndpoint: {}, byKey: {}, byStatus: {}, abortedConnections: 0 });
  });

  it('when the stats route is fetched, it returns the same counters as the handle', async () => {
    await anthropic('sk-route').messages.create({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'b' }],
    });
    const response = await fetch(`${mock.url}/_mock/stats`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(mock.stats());
  });
});
