import { createProviderAdapter } from '../../activities/providers/registry';
import { startMockProvider } from '../../src/mock-provider';
test('x', async () => {
  const mock = await startMockProvider({ port: 0 });
  for (const [type, path] of [['openai', '/openai/v1'], ['gemini', '/gemini']] as const) {
    mock.resetStats();
    const adapter = createProviderAdapter(type, { baseUrl: `${mock.url}${path}`, apiKey: 'k', timeoutMs: 10000 });
    const controller = new AbortController();
    const t = Date.now();
    const call = adapter.chat({ model: type === 'openai' ? 'gpt-4o-mini' : 'gemini-2.5-flash', request: { model: 'a', messages: [{ role: 'user', content: 'Hi [[mock:body-delay=600]]' }] }, signal: controller.signal });
    while (mock.calls().calls.length === 0) await new Promise((r) => setTimeout(r, 20));
    console.log(type, 'paid at', Date.now() - t, mock.stats());
    controller.abort();
    const c = await call;
    console.log(type, 'done at', Date.now() - t, c.choices[0]?.message.content, mock.stats());
  }
  await mock.close();
});
