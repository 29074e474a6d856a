import { ProviderError } from '../../activities/providers/provider-error';
import { createProviderAdapter } from '../../activities/providers/registry';
import type { ProviderAdapter } from '../../activities/providers/types';
import { FailureType } from '../../src/contract/failure-types';
import type { ProviderType } from '../../src/contract/chat';
import { type MockProviderHandle, startMockProvider } from '../../src/mock-provider';
import { DEFAULT_EMBEDDING_DIMENSIONS, embed } from '../../src/mock-provider/content';

// The embedding adapters against the mock's OpenAI and Gemini endpoints, whose vectors derive from each text.

const EMBEDDERS: Array<{ type: ProviderType; path: string; model: string; endpoint: string }> = [
  { type: 'openai', path: '/openai/v1', model: 'text-embedding-3-small', endpoint: 'openai.embeddings' },
  { type: 'openai-compatible', path: '/openai/v1', model: 'nomic-embed-text', endpoint: 'openai.embeddings' },
  { type: 'gemini', path: '/gemini', model: 'gemini-embedding-001', endpoint: 'gemini.embedContent' },
];

let mock: MockProviderHandle;

beforeAll(async () => {
  mock = await startMockProvider({ port: 0 });
});

afterAll(async () => {
  await mock.close();
});

beforeEach(() => mock.resetStats());

function adapterFor(type: ProviderType, path: string): ProviderAdapter {
  return createProviderAdapter(type, { apiKey: `sk-embed-${type}`, baseUrl: `${mock.url}${path}`, timeoutMs: 5_000 });
}

describe.each(EMBEDDERS)('$type embeddings', ({ type, path, model, endpoint }) => {
  test('one vector per text, in input order, equal to what the provider derived from each text', async () => {
    const adapter = adapterFor(type, path);
    const input = Array.from({ length: 100 }, (_, i) => `text number ${i} — ünïcödé ${'x'.repeat(i)}`);
    const answer = await adapter.embed?.({ model, input });
    expect(answer?.vectors).toEqual(input.map((text) => embed(text, DEFAULT_EMBEDDING_DIMENSIONS)));
    expect(answer?.inputTokens).toBeGreaterThan(0);
    // The whole list is one provider request.
    expect(mock.stats().byEndpoint[endpoint]).toBe(1);
  });

  test('dimensions shorten every vector', async () => {
    const answer = await adapterFor(type, path).embed?.({ model, input: ['short', 'vectors'], dimensions: 8 });
    expect(answer?.vectors).toEqual([embed('short', 8), embed('vectors', 8)]);
  });

  test("a provider's 400 is an invalid request, not retried", async () => {
    const error = await adapterFor(type, path)
      .embed?.({ model, input: ['too long'], dimensions: 1_000_000 })
      .then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).type).toBe(FailureType.InvalidRequest);
  });
});

test('OpenAI usage is what the provider reported; Gemini, which reports none, is charged its UTF-8 bytes', async () => {
  const input = ['héllo', 'world'];
  const openai = await adapterFor('openai', '/openai/v1').embed?.({ model: 'text-embedding-3-small', input });
  const { calls } = mock.calls();
  expect(openai?.inputTokens).toBe(calls[calls.length - 1]?.promptTokens);
  expect(openai?.inputTokens).toBeGreaterThan(0);
  const gemini = await adapterFor('gemini', '/gemini').embed?.({ model: 'gemini-embedding-001', input });
  expect(gemini?.inputTokens).toBe(Buffer.byteLength('héllo') + Buffer.byteLength('world'));
});

test('Anthropic has no embeddings API, so its adapter offers none', () => {
  expect('embed' in adapterFor('anthropic', '/anthropic')).toBe(false);
});
