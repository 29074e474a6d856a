import { createClient } from '@redis/client';
import { costOf } from '../../src/contract/cost';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

let harness: Harness;
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedisServer();
  harness = await startHarness({
    api: true,
    env: { COUNTERS_URL: redis.url },
    config: { tenants: { acme: tenant('acme', { budget: { dailyUsd: 10 } }) } },
  });
});
afterAll(async () => {
  await harness?.close();
  await redis?.stop();
});

/** Sets Redis's memory limit: at 1 byte every write is refused ("OOM command not allowed"), reads still work. */
async function setMaxMemory(bytes: number): Promise<void> {
  const client = createClient({ url: redis.url });
  await client.connect();
  await client.configSet({ maxmemory: String(bytes), 'maxmemory-policy': 'noeviction' });
  await client.quit();
}

test('when the ledger refuses writes for longer than any store retry, a paid call is still charged once the ledger is back', async () => {
  const url = harness.api!.url;
  const key = tenantKey('acme');
  const received = () => harness.mock.stats().byEndpoint['openai.chat'] ?? 0;
  const before = received();
  const submitted = await api(url, 'POST', '/v1/jobs', {
    key,
    body: chatBody('paid, then the ledger fails [[mock:latency=1500]]'),
  });
  expect(submitted.status).toBe(202);
  const deadline = Date.now() + 15_000;
  while (received() === before) {
    if (Date.now() > deadline) throw new Error('the provider never received the request');
    await new Promise((r) => setTimeout(r, 50));
  }
  // The reservation is written; the call is under way. Now the ledger cannot commit — for 90 s, longer than the
  // 20 attempts (about 76 s) the store steps used to get before the job failed and its reservation leaked.
  await setMaxMemory(1);
  await new Promise((r) => setTimeout(r, 90_000));
  const during = await api(url, 'GET', `/v1/jobs/${submitted.body.id}`, { key });
  expect(during.body.status).toBe('running');
  await setMaxMemory(0);

  const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=60`, { key });
  expect(done.body.error ?? null).toBeNull();
  expect(done.body.status).toBe('completed');
  expect(received() - before).toBe(1);
  const spend = await api(url, 'GET', '/v1/spend', { key });
  expect(spend.body.daily.reservedUsd).toBe(0);
  const cost = costOf(done.body.result.completion.usage, { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 }) ?? -1;
  expect(spend.body.daily.committedUsd).toBeCloseTo(cost, 9);
}, 240_000);
