import { startMockProvider, type MockProviderHandle } from '../../src/mock-provider';
import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;
let down: MockProviderHandle;
let slow: MockProviderHandle;
let throttled: MockProviderHandle;
let url: string;

beforeAll(async () => {
  // Each primary is its own server, so it can misbehave while the secondary (the harness mock) is healthy.
  down = await startMockProvider({ port: 0, errorRates: { '503': 1 } });
  slow = await startMockProvider({ port: 0, latencyMs: 5_000 });
  throttled = await startMockProvider({ port: 0 });
  const provider = (mock: MockProviderHandle, extra: Record<string, unknown> = {}) => ({
    type: 'openai',
    baseUrl: `${mock.url}/openai/v1`,
    keys: [{ alias: 'main', env: 'PRIMARY_KEY' }],
    ...extra,
  });
  harness = await startHarness({
    api: true,
    env: { PRIMARY_KEY: 'sk-primary' },
    config: {
      providers: {
        down: provider(down),
        slow: provider(slow),
        throttled: provider(throttled, { maxCallsPerSecond: 2 }),
      },
      routes: {
        'one-try': { targets: [{ target: 'down:gpt-4o-mini', maxAttempts: 1 }, 'claude-haiku-4-5'] },
        'short-fuse': { targets: [{ target: 'slow:gpt-4o-mini', timeoutMs: 300, maxAttempts: 1 }, 'gemini-2.5-flash'] },
        metered: { targets: ['throttled:gpt-4o-mini'] },
      },
      circuitBreaker: { consecutiveFailures: 1_000, minRequests: 1_000 },
    },
  });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
  for (const mock of [down, slow, throttled]) await mock?.close();
});

async function job(text: string, route: string) {
  const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody(text, route) });
  expect(submitted.status).toBe(202);
  return (await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=60`)).body;
}

test("a target's attempt budget is spent before the chain moves on", async () => {
  const done = await job('budgeted', 'one-try');
  expect(done.status).toBe('completed');
  expect(done.result.providerId).toBe('anthropic');
  expect(done.result.attempts).toEqual([
    expect.objectContaining({ providerId: 'down', outcome: 'OVERLOADED', attempts: 1 }),
    expect.objectContaining({ providerId: 'anthropic', outcome: 'ok', attempts: 1 }),
  ]);
  expect(down.stats().byEndpoint['openai.chat']).toBe(1);
});

test("a target's own timeout cuts a slow call short and the chain moves on", async () => {
  const done = await job('in a hurry', 'short-fuse');
  expect(done.result.providerId).toBe('gemini');
  expect(done.result.attempts[0]).toMatchObject({ providerId: 'slow', outcome: 'TIMEOUT', attempts: 1 });
  // The slow provider saw its request abandoned, well before its 5 s answer.
  expect(slow.stats().abortedConnections).toBeGreaterThanOrEqual(1);
});

test("calls above a provider's rate wait in Temporal's queue: none fails", async () => {
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => job(`metered ${i}`, 'metered')));
  expect(results.map((r) => r.status)).toEqual(Array(12).fill('completed'));
  expect(throttled.stats().byEndpoint['openai.chat']).toBe(12);
  // 12 calls at 2 per second, enforced by the server for the whole queue, cannot finish in under ~5 s.
  expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
}, 90_000);

test('an unknown route is rejected with a clear 400', async () => {
  const response = await api(url, 'POST', '/v1/jobs', { body: chatBody('hi', 'no-such-route') });
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ code: 'unknown_model' });
  expect(response.body.detail).toMatch(/one-try/);
});
