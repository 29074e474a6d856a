import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKeyStateStore } from '../../src/stores/key-state/open';
import { parseStoreUrl } from '../../src/contract/store-url';
import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';

/** The mock's per-key limit, and each key's `requestsPerMinute` in the config. */
const R = 20;
/**
 * How long the steady load lasts: long enough to cross a per-key window of a minute. The goodput figure is quoted
 * for two minutes: `SWITCHYARD_GOODPUT_SECONDS=120 npx jest test/integration/key-pools.test.ts -t 'steady load'`.
 */
const GOODPUT_SECONDS = Number(process.env.SWITCHYARD_GOODPUT_SECONDS ?? 75);
const KEYS = ['a', 'b', 'c'] as const;
const secretOf = (alias: string) => `sk-pool-${alias}`;

/**
 * A pass-through in front of the mock provider that answers keys in `quotaOut` with OpenAI's
 * `insufficient_quota`, as a key whose credit ran out does, and counts those refusals. The mock has no
 * per-key faults; this keeps it unchanged. It also lets the config name a base URL before the mock exists.
 */
interface KeyGate {
  url: string;
  target?: string;
  quotaOut: Set<string>;
  refused: Map<string, number>;
  close(): Promise<void>;
}

async function startKeyGate(): Promise<KeyGate> {
  const gate: Omit<KeyGate, 'url' | 'close'> = { quotaOut: new Set(), refused: new Map() };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (gate.quotaOut.has(key)) {
      gate.refused.set(key, (gate.refused.get(key) ?? 0) + 1);
      req.resume();
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: 'You exceeded your current quota, please check your plan and billing details.',
            type: 'insufficient_quota',
            param: null,
            code: 'insufficient_quota',
          },
        }),
      );
      return;
    }
    const target = new URL(req.url ?? '/', gate.target);
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return Object.assign(gate, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  });
}

type Alias = (typeof KEYS)[number];

interface PoolSetup {
  /** Each key's `requestsPerMinute`; none when null. */
  requestsPerMinute: number | null;
  /** The mock's per-key limit. */
  mockLimit: number;
  weights?: Partial<Record<Alias, number>>;
}

/** A config with one OpenAI provider whose pool holds keys a, b and c. */
function poolConfig(gate: KeyGate, setup: PoolSetup) {
  return {
    providers: {
      openai: {
        type: 'openai',
        baseUrl: `${gate.url}/openai/v1`,
        keys: KEYS.map((alias) => ({
          alias,
          env: `OPENAI_KEY_${alias.toUpperCase()}`,
          ...(setup.requestsPerMinute ? { requestsPerMinute: setup.requestsPerMinute } : {}),
          ...(setup.weights?.[alias] ? { weight: setup.weights[alias] } : {}),
        })),
      },
    },
  };
}

const keyEnv = Object.fromEntries(KEYS.map((alias) => [`OPENAI_KEY_${alias.toUpperCase()}`, secretOf(alias)]));

async function startPoolHarness(gate: KeyGate, setup: PoolSetup) {
  const harness = await startHarness({
    api: true,
    mock: { keyRateLimitPerMinute: setup.mockLimit },
    config: poolConfig(gate, setup),
    env: keyEnv,
  });
  gate.target = harness.mock.url;
  return harness;
}

/** Long-polls a job until it has ended (bounded), and notes when the answer came. */
async function finished(url: string, id: string): Promise<{ job: JsonResponse['body']; at: number }> {
  for (let poll = 0; poll < 10; poll++) {
    const response = await api(url, 'GET', `/v1/jobs/${id}?wait=60`);
    if (response.body.status !== 'running') return { job: response.body, at: Date.now() };
  }
  throw new Error(`job ${id} still running after 10 minutes`);
}

async function submit(url: string, text: string): Promise<string> {
  const response = await api(url, 'POST', '/v1/jobs', { body: chatBody(text) });
  expect(response.status).toBe(202);
  return response.body.id as string;
}

describe('key pools', () => {
  describe('when one key of the pool is out of quota', () => {
    let gate: KeyGate;
    let harness: Harness;

    beforeAll(async () => {
      gate = await startKeyGate();
      // b is by far the heaviest key, so the first jobs are almost sure to try it.
      harness = await startPoolHarness(gate, { requestsPerMinute: R, mockLimit: R, weights: { b: 20 } });
    });
    afterAll(async () => {
      await harness?.close();
      await gate?.close();
    });

    test('the job that met it is retried on another key, and later jobs leave it out', async () => {
      const url = harness.api!.url;
      gate.quotaOut.add(secretOf('b'));
      const run = randomUUID().slice(0, 8);
      // One job at a time until one has met the exhausted key (bounded).
      let metIt: JsonResponse['body'] = null;
      for (let i = 0; i < 10 && !gate.refused.size; i++) {
        const { job } = await finished(url, await submit(url, `Quota probe ${i} ${run}`));
        expect(job).toMatchObject({ status: 'completed', result: { providerId: 'openai', degraded: false } });
        if (gate.refused.size) metIt = job;
      }
      expect(gate.refused.get(secretOf('b'))).toBe(1);
      // The quota failure cost one attempt, not the job: the retry went to another key.
      expect(metIt.result.attempts).toEqual([
        { providerId: 'openai', model: 'gpt-4o-mini', outcome: 'ok', attempts: 2 },
      ]);

      const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(url, `After quota ${i} ${run}`)));
      const jobs = await Promise.all(ids.map((id) => finished(url, id)));
      for (const { job } of jobs) expect(job).toMatchObject({ status: 'completed', result: { degraded: false } });
      // Every later job skipped b, which is out until the next UTC day for every worker.
      expect(gate.refused.get(secretOf('b'))).toBe(1);
      expect(harness.mock.stats().byKey[secretOf('b')]).toBeUndefined();
    });

    test('when every key is out of quota, the job fails with provider_quota_exhausted', async () => {
      const url = harness.api!.url;
      for (const alias of KEYS) gate.quotaOut.add(secretOf(alias));
      const { job } = await finished(url, await submit(url, `Nothing left ${randomUUID()}`));
      expect(job).toMatchObject({ status: 'failed', error: { code: 'provider_quota_exhausted' } });
    });
  });

  describe("when the provider's own limit is reached first", () => {
    const LIMIT = 10;
    let gate: KeyGate;
    let harness: Harness;

    beforeAll(async () => {
      gate = await startKeyGate();
      // No per-key limits in the config: only the provider's 429s tell the pool that a key is full. a is the
      // heaviest key, so it is the one that fills up.
      harness = await startPoolHarness(gate, { requestsPerMinute: null, mockLimit: LIMIT, weights: { a: 10 } });
    });
    afterAll(async () => {
      await harness?.close();
      await gate?.close();
    });

    test("a key that got a 429 cools down for the provider's Retry-After in the shared store, and calls move on", async () => {
      const url = harness.api!.url;
      const run = randomUUID().slice(0, 8);
      const total = 27;
      const waits: Array<Promise<{ job: JsonResponse['body']; at: number }>> = [];
      // Spaced a little, so each call has its answer before the next call chooses a key.
      for (let i = 0; i < total; i++) {
        waits.push(finished(url, await submit(url, `Provider limit ${i} ${run}`)));
        await new Promise((r) => setTimeout(r, 300));
      }
      const results = await Promise.all(waits);
      for (const { job } of results) expect(job).toMatchObject({ status: 'completed', result: { degraded: false } });

      const stats = harness.mock.stats();
      const limited = stats.byStatus['429'] ?? 0;
      expect(limited).toBeGreaterThanOrEqual(1);
      // Once a key got its 429 it was left alone for the rest of the provider's window: at most one 429 per key.
      expect(limited).toBeLessThanOrEqual(KEYS.length);
      expect(stats.byStatus['200']).toBe(total);
      expect(stats.byKey[secretOf('a')]).toBe(LIMIT + 1);

      const store = await createKeyStateStore(parseStoreUrl('COUNTERS_URL', harness.env.COUNTERS_URL!));
      try {
        const a = (await store.statuses('openai')).get('a');
        // The mock's Retry-After is the rest of its 60 s window.
        expect(a?.cooldownUntil).toBeGreaterThan(Date.now() + 30_000);
        expect(a?.lastRateLimitedAt).toBeGreaterThan(Date.now() - 60_000);
      } finally {
        await store.close();
      }
    });
  });

  describe('under a steady load at the pool’s capacity', () => {
    let gate: KeyGate;
    let harness: Harness;

    beforeAll(async () => {
      gate = await startKeyGate();
      harness = await startPoolHarness(gate, { requestsPerMinute: R, mockLimit: R });
    });
    afterAll(async () => {
      await harness?.close();
      await gate?.close();
    });

    test('3R jobs a minute, across a rate-limit window, all complete, spread over the keys, none failed by a 429', async () => {
      const url = harness.api!.url;
      const perMinute = KEYS.length * R;
      const total = Math.round((GOODPUT_SECONDS / 60) * perMinute);
      const spacingMs = 60_000 / perMinute;
      const run = randomUUID().slice(0, 8);
      const started = Date.now();
      const waits: Array<Promise<{ job: JsonResponse['body']; at: number }>> = [];
      for (let i = 0; i < total; i++) {
        const due = started + i * spacingMs;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
        const id = await submit(url, `Goodput job ${i} ${run}`);
        waits.push(finished(url, id));
      }
      const submittedInMs = Date.now() - started;
      const results = await Promise.all(waits);
      const lastAt = Math.max(...results.map((r) => r.at));

      const statuses: Record<string, number> = {};
      for (const { job } of results) statuses[job.status] = (statuses[job.status] ?? 0) + 1;
      const stats = harness.mock.stats();
      const perKey = Object.fromEntries(KEYS.map((alias) => [alias, stats.byKey[secretOf(alias)] ?? 0]));
      const calls = Object.values(perKey).reduce((sum, n) => sum + n, 0);
      const latencies = results.map(({ job }) => job.result?.latencyMs ?? 0).sort((x, y) => x - y);
      const retried = results.filter(({ job }) => (job.result?.attempts?.[0]?.attempts ?? 1) > 1).length;
      console.log(
        [
          `key-pool goodput: ${total} jobs submitted at ${perMinute}/min over ${(submittedInMs / 1000).toFixed(1)} s`,
          `  outcomes: ${JSON.stringify(statuses)}`,
          `  goodput: ${(((statuses.completed ?? 0) * 60_000) / (lastAt - started)).toFixed(1)} completed jobs/min ` +
            `(all done ${((lastAt - started) / 1000).toFixed(1)} s after the first submission)`,
          `  provider calls per key: ${JSON.stringify(perKey)} of ${calls}; mock answers ${JSON.stringify(stats.byStatus)}`,
          `  429s seen by the mock: ${stats.byStatus['429'] ?? 0}; jobs that waited for a key or retried: ${retried}`,
          `  job latency p50 ${latencies[Math.floor(total / 2)]} ms, p95 ${latencies[Math.floor(total * 0.95)]} ms, ` +
            `max ${latencies[total - 1]} ms`,
        ].join('\n'),
      );

      expect(statuses).toEqual({ completed: total });
      for (const { job } of results) expect(job.result).toMatchObject({ providerId: 'openai', degraded: false });
      for (const alias of KEYS) {
        expect(perKey[alias]! / calls).toBeGreaterThan(0.25);
        expect(perKey[alias]! / calls).toBeLessThan(0.42);
      }
    }, 330_000);
  });
});
