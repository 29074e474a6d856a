import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type RunningApi } from '../../src/api/server';
import { createLogger } from '../../src/telemetry/logger';
import { freePort } from '../helpers/free-port';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { exited, spawnApi, untilHealthy } from '../helpers/worker-process';

const logDir = mkdtempSync(join(tmpdir(), 'switchyard-rate-limits-'));

const config = {
  tenants: {
    metered: tenant('metered', { limits: { requestsPerMinute: 10 } }),
    wordy: tenant('wordy', { limits: { tokensPerMinute: 100 } }),
    open: tenant('open'),
  },
};

/** Submits `count` jobs for `tenantId` to one API at once. */
function submitMany(baseUrl: string, tenantId: string, count: number, label: string): Promise<JsonResponse[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      api(baseUrl, 'POST', '/v1/jobs', { body: chatBody(`${label} ${i}`), key: tenantKey(tenantId) }),
    ),
  );
}

/** Checks that 12 requests, six to each API, let exactly 10 through and turn 2 away with a proper 429. */
async function expectTenOfTwelveAccepted(first: string, second: string, tenantId: string): Promise<void> {
  const responses = (
    await Promise.all([submitMany(first, tenantId, 6, 'first api'), submitMany(second, tenantId, 6, 'second api')])
  ).flat();
  const accepted = responses.filter((r) => r.status === 202);
  const limited = responses.filter((r) => r.status === 429);
  expect({ accepted: accepted.length, limited: limited.length }).toEqual({ accepted: 10, limited: 2 });
  for (const response of limited) {
    expect(response.body).toMatchObject({ status: 429, code: 'rate_limit_exceeded', limit: 'requests per minute' });
    expect(response.body.detail).toMatch(/10 requests per minute/);
    const retryAfter = response.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  }
}

describe('with the counters in the harness SQLite file', () => {
  let harness: Harness;
  let second: ChildProcess | undefined;
  let secondUrl: string;
  const secondLog = join(logDir, 'api-2.log');

  beforeAll(async () => {
    harness = await startHarness({ api: true, config });
    const port = await freePort();
    // Same config, same COUNTERS_URL file, its own process: a limit must hold across both.
    second = spawnApi({ ...harness.env, PORT: String(port) }, secondLog);
    secondUrl = `http://127.0.0.1:${port}`;
    await untilHealthy(secondUrl, second);
  }, 60_000);
  afterAll(async () => {
    if (second) {
      second.kill('SIGTERM');
      await exited(second);
    }
    await harness?.close();
  });

  test('requests per minute hold across two API processes sharing the store', async () => {
    try {
      await expectTenOfTwelveAccepted(harness.api!.url, secondUrl, 'metered');
    } catch (err) {
      console.error(readFileSync(secondLog, 'utf8').slice(-3_000));
      throw err;
    }
  });

  test('tokens per minute count the request estimate: a request of 86 tokens passes, the next one is a 429', async () => {
    // "hi" is estimated at 2 bytes + 4 input tokens; with max_tokens 80 that is 86 of the 100 tokens a minute.
    const body = chatBody('hi', 'gpt-4o-mini', { max_tokens: 80 });
    const first = await api(harness.api!.url, 'POST', '/v1/jobs', { body, key: tenantKey('wordy') });
    expect(first.status).toBe(202);
    const second = await api(secondUrl, 'POST', '/v1/jobs', { body, key: tenantKey('wordy') });
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ code: 'rate_limit_exceeded', limit: 'tokens per minute', limit_value: 100 });
    expect(second.body.detail).toMatch(/100 tokens per minute/);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The accepted job really runs.
    const done = await api(harness.api!.url, 'GET', `/v1/jobs/${first.body.id}?wait=10`, { key: tenantKey('wordy') });
    expect(done.body.status).toBe('completed');
  });

  test('a tenant without limits is never limited', async () => {
    const responses = await submitMany(harness.api!.url, 'open', 30, 'unlimited');
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 202));
  });
});

describe('with the counters in Redis', () => {
  let redis: RedisServer;
  let harness: Harness;
  let other: RunningApi;

  beforeAll(async () => {
    redis = await startRedisServer();
    harness = await startHarness({ api: true, config, env: { COUNTERS_URL: redis.url } });
    // A second API with its own limiters; the counts themselves live only in Redis, as for another replica.
    other = await startApi(
      { client: harness.client, config: harness.config, logger: createLogger('test', 'silent') },
      0,
      '127.0.0.1',
    );
  }, 60_000);
  afterAll(async () => {
    await other?.close();
    await harness?.close();
    await redis?.stop();
  });

  test('requests per minute hold across two APIs sharing a Redis server', async () => {
    expect(harness.config.stores.countersUrl).toBe(redis.url);
    await expectTenOfTwelveAccepted(harness.api!.url, other.url, 'metered');
  });
});
