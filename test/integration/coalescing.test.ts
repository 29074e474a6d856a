import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

const REQUESTS = 100;
let harness: Harness;

beforeAll(async () => {
  // The provider takes a while, so every request arrives while the first call is still in flight.
  harness = await startHarness({
    api: true,
    mock: { latencyMs: 1_500 },
    config: { tenants: { acme: tenant('acme') } },
  });
});
afterAll(async () => {
  await harness?.close();
});

test(`${REQUESTS} identical concurrent requests make exactly one provider call and all get the answer`, async () => {
  const url = harness.api!.url;
  const key = tenantKey('acme');
  const body = chatBody('What is the capital of France?', 'gpt-4o-mini', { temperature: 0 });
  const submitted = await Promise.all(
    Array.from({ length: REQUESTS }, () => api(url, 'POST', '/v1/jobs', { key, body })),
  );
  const ids = submitted.map((r) => r.body.id as string);
  expect(submitted.every((r) => r.status === 202)).toBe(true);
  expect(new Set(ids).size).toBe(REQUESTS);

  const results = await Promise.all(ids.map((id) => api(url, 'GET', `/v1/jobs/${id}?wait=30`, { key })));
  const failed = results.find((r) => r.body.status !== 'completed');
  if (failed) {
    // Tenants see a fixed text; the test shows the failure itself.
    const cause = await harness.client.workflow
      .getHandle(failed.body.id as string)
      .result()
      .catch((err: unknown) => err);
    console.error('a coalesced job did not complete:', failed.body.status, cause);
  }
  expect(results.map((r) => r.body.status)).toEqual(Array(REQUESTS).fill('completed'));
  expect(harness.mock.stats().byEndpoint['openai.chat']).toBe(1);

  const answers = new Set(results.map((r) => r.body.result.completion.choices[0].message.content as string));
  expect([...answers]).toEqual([expect.stringContaining('What is the capital of France?')]);

  // The job that started the shared call pays for it; the others share the answer for free.
  const leaders = results.filter((r) => !r.body.result.coalesced && !r.body.result.cacheHit);
  const followers = results.filter((r) => r.body.result.coalesced || r.body.result.cacheHit);
  expect(leaders).toHaveLength(1);
  expect(leaders[0]!.body.result.costUsd).toBeGreaterThan(0);
  expect(followers).toHaveLength(REQUESTS - 1);
  expect(followers.every((r) => r.body.result.costUsd === 0)).toBe(true);

  const spend = await api(url, 'GET', '/v1/spend', { key });
  expect(spend.body.daily.committedUsd).toBeCloseTo(leaders[0]!.body.result.costUsd as number, 8);
  expect(spend.body.daily.reservedUsd).toBe(0);
  console.log(`coalescing: ${REQUESTS} requests → ${harness.mock.stats().byEndpoint['openai.chat']} provider call(s)`);
}, 120_000);

test('identical synchronous requests in flight at once share one call too', async () => {
  const url = harness.api!.url;
  const key = tenantKey('acme');
  const before = harness.mock.stats().byEndpoint['openai.chat'] ?? 0;
  const body = chatBody('Name three primary colours.', 'gpt-4o-mini', { temperature: 0 });
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => api(url, 'POST', '/v1/chat/completions', { key, body })),
  );
  expect(responses.every((r) => r.status === 200)).toBe(true);
  expect((harness.mock.stats().byEndpoint['openai.chat'] ?? 0) - before).toBe(1);
  expect(new Set(responses.map((r) => r.headers.get('x-switchyard-job-id'))).size).toBe(20);
}, 60_000);
