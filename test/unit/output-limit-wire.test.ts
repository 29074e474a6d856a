import { ProviderClients } from '../../activities/provider-clients';
import { loadConfig } from '../../src/config';
import { mockProviderEnv } from '../../src/dev/mock-provider-env';
import { startMockProvider, type MockProviderHandle } from '../../src/mock-provider';
import type { ChatRequest } from '../../src/contract/chat';

// The provider adapters against the mock provider over real HTTP: what a provider would answer to a request
// that carries no output limit, and what the adapters send so that it never does.

let mock: MockProviderHandle;

beforeAll(async () => {
  mock = await startMockProvider({ port: 0 });
});

afterAll(async () => {
  await mock.close();
});

type Json = Record<string, unknown> & { usage?: Record<string, number> };

async function post(path: string, body: unknown, headers: Record<string, string>): Promise<Json> {
  const response = await fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

const LONG = 'Write it all down [[mock:output-tokens=50000]]';
const openaiAuth = { authorization: 'Bearer sk-test' };
const anthropicAuth = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' };
const geminiAuth = { 'x-goog-api-key': 'gemini-test' };

describe('the mock provider with [[mock:output-tokens=N]]', () => {
  test('when an OpenAI request sends no limit, the reply is N tokens long', async () => {
    const body = await post(
      '/openai/v1/chat/completions',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: LONG }] },
      openaiAuth,
    );
    expect(body.usage?.completion_tokens).toBe(50_000);
    expect(body).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
  });

  test('when an OpenAI request sends max_completion_tokens or max_tokens, the reply stops there', async () => {
    for (const limit of [{ max_completion_tokens: 100 }, { max_tokens: 100 }]) {
      const body = await post(
        '/openai/v1/chat/completions',
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: LONG }], ...limit },
        openaiAuth,
      );
      expect(body.usage?.completion_tokens).toBe(100);
      expect(body).toMatchObject({ choices: [{ finish_reason: 'length' }] });
    }
  });

  test('when an Anthropic request sends max_tokens, the reply stops there', async () => {
    const body = await post(
      '/anthropic/v1/messages',
      { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: LONG }] },
      anthropicAuth,
    );
    expect(body.usage?.output_tokens).toBe(100);
    expect(body).toMatchObject({ stop_reason: 'max_tokens' });
  });

  test('when a Gemini request sends no maxOutputTokens the reply is N tokens; with it, the reply stops there', async () => {
    const path = '/gemini/v1beta/models/gemini-2.5-flash:generateContent';
    const contents = [{ role: 'user', parts: [{ text: LONG }] }];
    const unlimited = await post(path, { contents }, geminiAuth);
    expect((unlimited.usageMetadata as Record<string, number>).candidatesTokenCount).toBe(50_000);
    const limited = await post(path, { contents, generationConfig: { maxOutputTokens: 100 } }, geminiAuth);
    expect((limited.usageMetadata as Record<string, number>).candidatesTokenCount).toBe(100);
    expect(limited).toMatchObject({ candidates: [{ finishReason: 'MAX_TOKENS' }] });
  });

  test('a header x-mock-output-tokens works like the marker, and a bad value is a 400', async () => {
    const body = await post(
      '/openai/v1/chat/completions',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
      { ...openaiAuth, 'x-mock-output-tokens': '321' },
    );
    expect(body.usage?.completion_tokens).toBe(321);
    const bad = await fetch(`${mock.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...openaiAuth },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: '[[mock:output-tokens=0]]' }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/output-tokens/);
  });
});

describe('the provider adapters', () => {
  test('when a request arrives without max_tokens, every provider is sent the configured default limit', async () => {
    const env = mockProviderEnv(mock.url);
    const config = loadConfig(env);
    const clients = new ProviderClients(config.providers, env, { defaultMaxTokens: 64 });
    const request: ChatRequest = { model: 'alias', messages: [{ role: 'user', content: LONG }] };
    const models = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5', gemini: 'gemini-2.5-flash' };
    for (const [providerId, model] of Object.entries(models)) {
      const completion = await clients.adapterFor(providerId, 'default').chat({ model, request });
      expect({ providerId, tokens: completion.usage.completion_tokens }).toEqual({ providerId, tokens: 64 });
      expect(completion.choices[0]?.finish_reason).toBe('length');
    }
  });
});
