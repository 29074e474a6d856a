import { createGeminiAdapter } from '../../activities/providers/gemini/adapter';
import { ProviderError } from '../../activities/providers/provider-error';
import { FailureType } from '../../src/contract/failure-types';

// Nothing listens here: the adapter must refuse the request before any call is made.
const adapter = createGeminiAdapter({ apiKey: 'test-key', baseUrl: 'http://127.0.0.1:9', timeoutMs: 1_000 });

test.each([
  ['only a system message', [{ role: 'system' as const, content: 'Be brief.' }]],
  ['only developer messages', [{ role: 'developer' as const, content: [{ type: 'text' as const, text: 'x' }] }]],
  ['a user message without text', [{ role: 'user' as const, content: '' }]],
])('when a Gemini request has %s, it fails as an invalid request, not as a provider fault', async (_name, messages) => {
  const call = adapter.chat({ model: 'gemini-2.5-flash-lite', request: { model: 'gemini-2.5-flash-lite', messages } });
  await expect(call).rejects.toBeInstanceOf(ProviderError);
  await expect(call).rejects.toMatchObject({ type: FailureType.InvalidRequest });
});
