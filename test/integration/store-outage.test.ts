import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

let redis: RedisServer;
let harness: Harness;
let url: string;

// `limited` has rate limits, so its requests need the counters store in the API; `open` has none.
const LIMITED = tenantKey('limited');
const OPEN = tenantKey('open');

beforeAll(async () => {
  // The stores log each lost connection to Redis; here that is the point of the test, not news.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  redis = await startRedisServer();
  harness = await startHarness({
    api: true,
    env: { CACHE_URL: redis.url, COUNTERS_URL: redis.url },
    config: {
      tenants: {
        limited: tenant('limited', { limits: { requestsPerMinute: 1_000 } }),
        open: tenant('open'),
      },
      // Enough attempts that a repeated call would still happen once the store is back.
      routes: { patient: { targets: [{ target: 'gpt-4o-mini', maxAttempts: 10 }] } },
    },
  });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
  await redis?.stop();
});

/** Restarts Redis where it was and waits until `/readyz` says every part is back. */
async function restartRedis(): Promise<void> {
  redis = await startRedisServer({ port: redis.port });
  while ((await api(url, 'GET', '/readyz', { key: null })).status !== 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

const chatCalls = () => harness.mock.stats().byEndpoint['openai.chat'] ?? 0;
const answered = () => harness.mock.stats().byStatus['200'] ?? 0;

test('when Redis is down, requests that need it get 503 store_unavailable with Retry-After, /readyz names the stores, and once it is back everything works', async () => {
  const ready = await api(url, 'GET', '/readyz', { key: null });
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({
    status: 'ready',
    checks: { temporal: 'ok', cache: 'ok', ledger: 'ok', circuits: 'ok', keyState: 'ok', rateLimits: 'ok' },
  });

  await redis.stop();

  const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody('while Redis is down'), key: LIMITED });
  expect(submitted.status).toBe(503);
  expect(submitted.headers.get('retry-after')).toBe('5');
  expect(submitted.body).toMatchObject({ status: 503, code: 'store_unavailable', store: 'rateLimits' });

  const completion = await api(url, 'POST', '/v1/chat/completions', { body: chatBody('sync, down'), key: LIMITED });
  expect(completion.status).toBe(503);
  expect(completion.headers.get('retry-after')).toBe('5');
  expect(completion.body.error).toMatchObject({ code: 'store_unavailable', type: 'api_error' });

  const spend = await api(url, 'GET', '/v1/spend', { key: OPEN });
  expect(spend.status).toBe(503);
  expect(spend.body).toMatchObject({ code: 'store_unavailable', store: 'ledger' });

  const notReady = await api(url, 'GET', '/readyz', { key: null });
  expect(notReady.status).toBe(503);
  expect(notReady.headers.get('retry-after')).toBe('5');
  expect(notReady.body).toEqual({
    status: 'unavailable',
    checks: { temporal: 'ok', cache: 'down', ledger: 'down', circuits: 'down', keyState: 'down', rateLimits: 'down' },
  });

  // The cache fast path fails open: the request runs as a job, which waits for the store and then completes.
  const cacheable = api(url, 'POST', '/v1/chat/completions', {
    body: chatBody('fast path while the cache is down', 'gpt-4o-mini', { temperature: 0 }),
    key: OPEN,
  });
  await restartRedis();
  expect((await cacheable).status).toBe(200);

  const after = await api(url, 'POST', '/v1/jobs', { body: chatBody('after Redis is back'), key: LIMITED });
  expect(after.status).toBe(202);
  const done = await api(url, 'GET', `/v1/jobs/${after.body.id}?wait=30`, { key: LIMITED });
  expect(done.body.status).toBe('completed');
  expect((await api(url, 'POST', '/v1/chat/completions', { body: chatBody('sync, back'), key: LIMITED })).status).toBe(
    200,
  );
  expect((await api(url, 'GET', '/v1/spend', { key: OPEN })).status).toBe(200);
});

test('when the store goes down while a provider call is answered, the call is not made again', async () => {
  const callsBefore = chatCalls();
  const answersBefore = answered();
  const submitted = await api(url, 'POST', '/v1/jobs', {
    body: chatBody('paid once [[mock:latency=1500]]', 'patient'),
    key: OPEN,
  });
  expect(submitted.status).toBe(202);

  // The call has reached the provider: the store goes away before its answer comes back.
  await until(() => chatCalls() === callsBefore + 1);
  await redis.stop();
  await until(() => answered() === answersBefore + 1);
  // The answer reaches the worker, whose circuit bookkeeping now fails; then the store comes back.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await restartRedis();

  const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=60`, { key: OPEN });
  expect(done.body.status).toBe('completed');
  expect(done.body.result.attempts).toEqual([expect.objectContaining({ outcome: 'ok', attempts: 1 })]);
  expect(chatCalls()).toBe(callsBefore + 1);
}, 90_000);
