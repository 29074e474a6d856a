import { CACHE_HIT } from '../../src/contract/search-attributes';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

const calls = (harness: Harness) => harness.mock.stats().byEndpoint['openai.chat'] ?? 0;

function cacheSuite(store: 'sqlite' | 'redis') {
  describe(`the response cache on ${store}`, () => {
    let harness: Harness;
    let redis: RedisServer | undefined;
    let url: string;

    beforeAll(async () => {
      redis = store === 'redis' ? await startRedisServer() : undefined;
      harness = await startHarness({
        api: true,
        env: redis ? { CACHE_URL: redis.url } : {},
        config: {
          tenants: {
            acme: tenant('acme'),
            globex: tenant('globex'),
            initech: tenant('initech', { cache: { cacheNonDeterministic: true, ttlSeconds: 60 } }),
          },
        },
      });
      url = harness.api!.url;
    });
    afterAll(async () => {
      await harness?.close();
      await redis?.stop();
    });

    const ask = (text: string, key = 'acme', extra: Record<string, unknown> = { temperature: 0 }) =>
      api(url, 'POST', '/v1/chat/completions', { key: tenantKey(key), body: chatBody(text, 'gpt-4o-mini', extra) });

    test('a repeated deterministic request is answered from the cache with no extra provider call', async () => {
      const first = await ask(`What is 2 + 2? (${store})`);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-switchyard-cache')).toBe('miss');
      const before = calls(harness);
      const second = await ask(`What is 2 + 2? (${store})`);
      expect(second.status).toBe(200);
      expect(second.headers.get('x-switchyard-cache')).toBe('hit');
      expect(second.headers.get('x-switchyard-cost-usd')).toBe('0');
      expect(second.body).toEqual(first.body);
      expect(calls(harness)).toBe(before);
    });

    test('a cached job records the hit in its result and its search attributes', async () => {
      await ask(`Cache me as a job (${store})`);
      const before = calls(harness);
      const submitted = await api(url, 'POST', '/v1/jobs', {
        key: tenantKey('acme'),
        body: chatBody(`Cache me as a job (${store})`, 'gpt-4o-mini', { temperature: 0 }),
      });
      const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=10`, { key: tenantKey('acme') });
      expect(done.body.status).toBe('completed');
      expect(done.body.result).toMatchObject({ cacheHit: true, costUsd: 0 });
      expect(calls(harness)).toBe(before);
      const description = await harness.client.workflow.getHandle(submitted.body.id).describe();
      expect(description.typedSearchAttributes.get(CACHE_HIT)).toBe(true);
    });

    test('requests that are not deterministic are not cached unless the tenant opts in', async () => {
      const text = `Tell me a story (${store})`;
      await ask(text, 'acme', { temperature: 0.8 });
      const before = calls(harness);
      expect((await ask(text, 'acme', { temperature: 0.8 })).headers.get('x-switchyard-cache')).toBe('miss');
      expect(calls(harness)).toBe(before + 1);

      await ask(text, 'initech', { temperature: 0.8 });
      const again = await ask(text, 'initech', { temperature: 0.8 });
      expect(again.headers.get('x-switchyard-cache')).toBe('hit');
    });

    test("one tenant's cache entries are not served to another", async () => {
      const text = `Tenant-scoped answer (${store})`;
      await ask(text, 'acme');
      const before = calls(harness);
      const other = await ask(text, 'globex');
      expect(other.headers.get('x-switchyard-cache')).toBe('miss');
      expect(calls(harness)).toBe(before + 1);
    });

    test('bypass, refresh and only modes do what they say', async () => {
      const text = `Modes (${store})`;
      await ask(text);
      let before = calls(harness);
      const bypass = await ask(text, 'acme', { temperature: 0, cache: { mode: 'bypass' } });
      expect(bypass.headers.get('x-switchyard-cache')).toBe('miss');
      expect(calls(harness)).toBe(before + 1);

      before = calls(harness);
      const refresh = await ask(text, 'acme', { temperature: 0, cache: { mode: 'refresh' } });
      expect(refresh.headers.get('x-switchyard-cache')).toBe('miss');
      expect(calls(harness)).toBe(before + 1);

      const only = await ask(text, 'acme', { temperature: 0, cache: { mode: 'only' } });
      expect(only.headers.get('x-switchyard-cache')).toBe('hit');
      const nothing = await ask(`Never asked before (${store})`, 'acme', { temperature: 0, cache: { mode: 'only' } });
      expect(nothing.status).toBe(422);
      expect(nothing.body.error.code).toBe('cache_miss');
    });

    test('an explicit cache mode opts a non-deterministic request in', async () => {
      const text = `Opted in (${store})`;
      await ask(text, 'acme', { temperature: 1, cache: { mode: 'default', ttlSeconds: 30 } });
      const again = await ask(text, 'acme', { temperature: 1, cache: { mode: 'default' } });
      expect(again.headers.get('x-switchyard-cache')).toBe('hit');
    });
  });
}

cacheSuite('sqlite');
cacheSuite('redis');

describe('metrics', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      api: true,
      worker: true,
      env: { SWITCHYARD_ADMIN_KEY: 'sk-operator' },
      config: { tenants: { acme: tenant('acme') } },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  test('fast-path cache hits and submitted jobs are counted on /metrics', async () => {
    const url = harness.api!.url;
    const body = chatBody('Count me', 'gpt-4o-mini', { temperature: 0 });
    await api(url, 'POST', '/v1/chat/completions', { key: tenantKey('acme'), body });
    await api(url, 'POST', '/v1/chat/completions', { key: tenantKey('acme'), body });
    const response = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer sk-operator' } });
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/switchyard_cache_fast_path_hits_total\{tenant="acme"\} 1/);
    expect(text).toMatch(/switchyard_jobs_submitted_total\{tenant="acme",model="gpt-4o-mini"\} 1/);
  });
});
