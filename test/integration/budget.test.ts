import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planJob } from '../../src/api/job-plan';
import type { PeriodSpend, TenantSpend } from '../../src/stores/ledger/contract';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';
import { exited, spawnWorker } from '../helpers/worker-process';

const JOBS = 200;
const logDir = mkdtempSync(join(tmpdir(), 'switchyard-budget-'));

// $1,000 per million tokens, i.e. $0.001 a token: one job of the big test costs a few cents.
const config = {
  // 200 submits at once queue for the API's 4 start slots; on a slow machine the last of them would wait past
  // the default 5 s and be refused (503), which is admission control's business, not this file's.
  api: { admission: { maxQueueWaitMs: 30_000 } },
  models: {
    pricey: { provider: 'openai', model: 'gpt-4o-mini', inputUsdPerMTok: 1000, outputUsdPerMTok: 1000 },
    freebie: { provider: 'gemini', model: 'gemini-2.5-flash-lite', inputUsdPerMTok: 0, outputUsdPerMTok: 0 },
  },
  routes: { cheap: { targets: ['freebie'] } },
  tenants: {
    acme: tenant('acme', { budget: { dailyUsd: 1 } }),
    halt: tenant('halt', { budget: { dailyUsd: 1 } }),
    flop: tenant('flop', { budget: { dailyUsd: 1 } }),
    stingy: tenant('stingy', { budget: { dailyUsd: 0.001, onExceeded: 'reject' } }),
    thrifty: tenant('thrifty', { budget: { dailyUsd: 0.001, onExceeded: 'downgrade', downgradeRoute: 'cheap' } }),
    frugal: tenant('frugal', { budget: { dailyUsd: 0.02, onExceeded: 'cache-only' } }),
  },
};

let harness: Harness;
let url: string;
let workers: ChildProcess[] = [];

beforeAll(async () => {
  // The API runs here; the workers are two processes of their own that share the harness's ledger file.
  harness = await startHarness({ api: true, worker: false, config, mock: { latencyMs: 50 } });
  url = harness.api!.url;
  // At info level each worker logs one line per provider call, which shows that both took part.
  workers = [1, 2].map((n) => spawnWorker({ ...harness.env, LOG_LEVEL: 'info' }, workerLog(n)));
  const deadline = Date.now() + 60_000;
  while (![1, 2].every((n) => logLines(n).some((line) => line.msg === 'worker started'))) {
    if (Date.now() > deadline) throw new Error(`the workers did not start; see ${logDir}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 90_000);
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGTERM');
  await Promise.all(workers.map(exited));
  await harness?.close();
});

function workerLog(n: number): string {
  return join(logDir, `worker-${n}.log`);
}

/** The JSON lines worker `n` has logged so far. */
function logLines(n: number): { msg?: string; status?: string; jobId?: string }[] {
  let text = '';
  try {
    text = readFileSync(workerLog(n), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; status?: string; jobId?: string });
}

/** Prints the workers' logs when a test fails, since the jobs ran there. */
async function withWorkerLogs(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    for (const n of [1, 2]) console.error(readFileSync(workerLog(n), 'utf8').slice(-3_000));
    throw err;
  }
}

/** The tenant's spend today, as `GET /v1/spend` reports it. */
async function spendOf(id: string): Promise<PeriodSpend> {
  const response = await api(url, 'GET', '/v1/spend', { key: tenantKey(id) });
  expect(response.status).toBe(200);
  const spend = response.body as TenantSpend;
  expect(spend.tenantId).toBe(id);
  return spend.daily;
}

function submit(id: string, body: unknown): Promise<JsonResponse> {
  return api(url, 'POST', '/v1/jobs', { body, key: tenantKey(id) });
}

/**
 * The job's final view. A 503 (Temporal slow to answer while 200 jobs run on a busy machine) is asked again after
 * its Retry-After, as a client would; any other status fails the test.
 */
async function waitForJob(id: string, jobId: string): Promise<JsonResponse> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await api(url, 'GET', `/v1/jobs/${jobId}?wait=30`, { key: tenantKey(id) });
    if (response.status === 200 && response.body.status !== 'running') return response;
    if (response.status !== 200) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(response.body)}`);
    const retryAfter = response.status === 503 ? Number(response.headers.get('retry-after')) : 0;
    await new Promise((r) => setTimeout(r, Math.min(retryAfter * 1000, 5_000) + 100));
  }
}

/** Forty characters, distinct per job, so that no two jobs share a cache key or a flight. */
function bigTestMessage(index: number): string {
  return `Budget check ${String(index).padStart(3, '0')}: `.padEnd(40, 'x');
}

test(`${JOBS} concurrent jobs against a $1.00 daily cap, through two worker processes, never overspend`, async () => {
  // The mock answers "Mock reply (gpt-4o-mini): <message>": 66 characters, 17 tokens, all within max_tokens.
  const bodies = Array.from({ length: JOBS }, (_, i) =>
    chatBody(bigTestMessage(i), 'pricey', { temperature: 0.5, max_tokens: 17 }),
  );
  const estimateUsd = planJob(harness.config, 'acme', bodies[0]!).budget.estimateUsd;
  expect(estimateUsd).toBeCloseTo(0.061, 9); // (40 bytes + 4) input + 17 output tokens, worst case
  const callsBefore = harness.mock.stats().byEndpoint['openai.chat'] ?? 0;

  await withWorkerLogs(async () => {
    const started = Date.now();
    const submitted = await Promise.all(bodies.map((body) => submit('acme', body)));
    expect(submitted.map((r) => r.status)).toEqual(bodies.map(() => 202));
    const views = await Promise.all(submitted.map((r) => waitForJob('acme', r.body.id as string)));
    const elapsedSeconds = (Date.now() - started) / 1000;

    const completed = views.filter((v) => v.body.status === 'completed');
    const rejected = views.filter((v) => v.body.status === 'failed');
    expect(completed.length + rejected.length).toBe(JOBS);
    for (const view of rejected) {
      expect(view.body.error).toMatchObject({ code: 'budget_exceeded', type: 'BUDGET_EXCEEDED' });
    }
    expect(completed.length).toBeGreaterThan(0);
    expect(rejected.length).toBeGreaterThan(0);

    const spend = await spendOf('acme');
    expect(spend.capUsd).toBe(1);
    expect(spend.reservedUsd).toBe(0);
    expect(spend.committedUsd).toBeLessThanOrEqual(1 + estimateUsd);
    const charged = completed.reduce((sum, v) => sum + (v.body.result.costUsd as number), 0);
    expect(Math.abs(charged - spend.committedUsd)).toBeLessThan(1e-6);
    expect((harness.mock.stats().byEndpoint['openai.chat'] ?? 0) - callsBefore).toBe(completed.length);
    const completedIds = new Set(completed.map((v) => v.body.id as string));
    const callsByWorker = [1, 2].map(
      (n) =>
        logLines(n).filter((l) => l.msg === 'provider call' && l.status === 'ok' && completedIds.has(l.jobId ?? ''))
          .length,
    );
    expect(callsByWorker.reduce((a, b) => a + b, 0)).toBe(completed.length);
    expect(callsByWorker.every((calls) => calls > 0)).toBe(true);

    console.log(
      `budget: ${JOBS} concurrent jobs against a $1.00 daily cap (estimate $${estimateUsd.toFixed(3)} each, two workers): ` +
        `${completed.length} completed, ${rejected.length} rejected with budget_exceeded, ` +
        `committed spend $${spend.committedUsd.toFixed(6)}, reserved $${spend.reservedUsd}, ` +
        `provider calls per worker ${callsByWorker.join(' + ')}, ` +
        `${elapsedSeconds.toFixed(1)} s from first submission to last result`,
    );
  });
}, 120_000);

test('a cancelled job releases its reservation', async () => {
  await withWorkerLogs(async () => {
    const submitted = await submit(
      'halt',
      chatBody('Take your time [[mock:latency=5000]]', 'pricey', { temperature: 0.5, max_tokens: 20 }),
    );
    expect(submitted.status).toBe(202);
    const deadline = Date.now() + 20_000;
    while ((await spendOf('halt')).reservedUsd === 0) {
      if (Date.now() > deadline) throw new Error('the job never reserved its budget');
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = await spendOf('halt');
    expect(before.reservedUsd).toBeGreaterThan(0);

    const cancelled = await api(url, 'POST', `/v1/jobs/${submitted.body.id}/cancel`, { key: tenantKey('halt') });
    expect(cancelled.status).toBe(202);
    expect((await waitForJob('halt', submitted.body.id as string)).body.status).toBe('cancelled');

    const after = await spendOf('halt');
    expect(after.reservedUsd).toBe(0);
    expect(after.committedUsd).toBe(before.committedUsd);
  });
}, 30_000);

test('a failed job releases its reservation', async () => {
  await withWorkerLogs(async () => {
    const submitted = await submit(
      'flop',
      chatBody('Bad request [[mock:status=400]]', 'pricey', { temperature: 0.5, max_tokens: 20 }),
    );
    expect(submitted.status).toBe(202);
    const failed = await waitForJob('flop', submitted.body.id as string);
    expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'provider_invalid_request' } });
    expect(await spendOf('flop')).toMatchObject({ reservedUsd: 0, committedUsd: 0 });
  });
}, 30_000);

test('over the cap with the reject policy, a synchronous chat completion is a 402 budget_exceeded in OpenAI shape', async () => {
  await withWorkerLogs(async () => {
    const response = await api(url, 'POST', '/v1/chat/completions', {
      body: chatBody('Too dear for this tenant', 'pricey', { temperature: 0.5, max_tokens: 100 }),
      key: tenantKey('stingy'),
    });
    expect(response.status).toBe(402);
    expect(response.body.error).toMatchObject({ code: 'budget_exceeded' });
    expect(response.body.error.message).toMatch(/daily cap/);
    expect(typeof response.body.error.type).toBe('string');
    expect(await spendOf('stingy')).toMatchObject({ reservedUsd: 0, committedUsd: 0 });
  });
}, 30_000);

test('over the cap with the downgrade policy, the job completes on the cheaper route', async () => {
  await withWorkerLogs(async () => {
    const callsBefore = harness.mock.stats().byEndpoint['gemini.generateContent'] ?? 0;
    const submitted = await submit(
      'thrifty',
      chatBody('Answer cheaply', 'pricey', { temperature: 0.5, max_tokens: 100 }),
    );
    expect(submitted.status).toBe(202);
    const done = await waitForJob('thrifty', submitted.body.id as string);
    expect(done.body.status).toBe('completed');
    expect(done.body.result).toMatchObject({ downgraded: true, providerId: 'gemini', costUsd: 0 });
    expect(done.body.result.completion.choices[0].message.content).toContain('Answer cheaply');
    expect((harness.mock.stats().byEndpoint['gemini.generateContent'] ?? 0) - callsBefore).toBe(1);
    expect(await spendOf('thrifty')).toMatchObject({ reservedUsd: 0, committedUsd: 0 });
  });
}, 30_000);

test('with the cache-only policy, once over the cap a cached request is answered from the cache and a new one fails with cache_miss', async () => {
  await withWorkerLogs(async () => {
    // "hi" with max_tokens 10: estimated (2 + 4) + 10 tokens = $0.016, fits the $0.02 cap; really costs 1 + 7 tokens = $0.008.
    const cached = chatBody('hi', 'pricey', { temperature: 0, max_tokens: 10 });
    const first = await waitForJob('frugal', (await submit('frugal', cached)).body.id as string);
    expect(first.body.status).toBe('completed');
    expect(first.body.result).toMatchObject({ cacheHit: false, costUsd: 0.008 });
    expect((await spendOf('frugal')).committedUsd).toBeCloseTo(0.008, 9);

    // A new request: $0.008 used + $0.025 estimated passes the cap, and nothing is cached for it.
    const fresh = await submit('frugal', chatBody('hello there', 'pricey', { temperature: 0, max_tokens: 10 }));
    const missed = await waitForJob('frugal', fresh.body.id as string);
    expect(missed.body).toMatchObject({ status: 'failed', error: { code: 'cache_miss', type: 'CACHE_MISS' } });
    expect(missed.body.error.message).toMatch(/cache-only/);

    const again = await waitForJob('frugal', (await submit('frugal', cached)).body.id as string);
    expect(again.body.status).toBe('completed');
    expect(again.body.result).toMatchObject({ cacheHit: true, costUsd: 0 });
    expect(again.body.result.completion).toEqual(first.body.result.completion);
    expect(await spendOf('frugal')).toMatchObject({ reservedUsd: 0 });
    expect((await spendOf('frugal')).committedUsd).toBeCloseTo(0.008, 9);
  });
}, 30_000);
