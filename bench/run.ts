/**
 * Benchmarks the synchronous chat-completion path end to end: HTTP → API → Temporal workflow → provider
 * activity → mock provider (0 ms latency) → back. Runs the real processes (dev server, worker, API) and
 * prints latency percentiles and throughput.
 *
 *   npm run bench                      # defaults
 *   BENCH_REQUESTS=1000 BENCH_CONCURRENCY=32 npm run bench
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEntry, stopChild, waitFor } from '../src/dev/child-processes';
import { startMockProvider } from '../src/mock-provider';
import { startDevServer } from '../test/helpers/dev-server';
import { freePort } from '../test/helpers/free-port';

const API_KEY = 'sk-switchyard-bench';
const SEQUENTIAL = Number(process.env.BENCH_REQUESTS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CONCURRENT_REQUESTS = Number(process.env.BENCH_CONCURRENT_REQUESTS ?? 1_000);
const COALESCED_JOBS = Number(process.env.BENCH_COALESCED_JOBS ?? 100);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function chat(url: string, content: string, extra: Record<string, unknown> = {}): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`"${content}" answered ${response.status}`);
  return performance.now() - started;
}

async function submitAndWait(url: string, content: string): Promise<{ coalesced: boolean }> {
  const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  const submitted = await fetch(`${url}/v1/jobs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] }),
  });
  const { id } = (await submitted.json()) as { id: string };
  const done = await fetch(`${url}/v1/jobs/${id}?wait=60`, { headers });
  const view = (await done.json()) as { status: string; result?: { coalesced: boolean } };
  if (view.status !== 'completed') throw new Error(`job ${id} ended ${view.status}`);
  return { coalesced: view.result?.coalesced ?? false };
}

function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: +percentile(sorted, 50).toFixed(1),
    p90: +percentile(sorted, 90).toFixed(1),
    p99: +percentile(sorted, 99).toFixed(1),
    max: +(sorted[sorted.length - 1] ?? NaN).toFixed(1),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const temporal = await startDevServer(
    process.env.BENCH_TEMPORAL_DB === 'memory' ? {} : { dbFile: join(dir, 'temporal.db') },
  );
  const mock = await startMockProvider({ port: 0, latencyMs: 0 });
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    TEMPORAL_ADDRESS: temporal.address,
    SWITCHYARD_API_KEY: API_KEY,
    SWITCHYARD_TASK_QUEUE_PREFIX: 'bench',
    CACHE_URL: `sqlite://${join(dir, 'cache.sqlite')}`,
    COUNTERS_URL: `sqlite://${join(dir, 'counters.sqlite')}`,
    OPENAI_API_KEY: 'sk-mock-openai',
    OPENAI_BASE_URL: `${mock.url}/openai/v1`,
    LOG_LEVEL: 'warn',
  };
  const worker = startEntry('worker', 'worker/main', env);
  const api = startEntry('api', 'api/main', env);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the API', async () => (await fetch(`${url}/readyz`)).ok, 60_000, api);
    for (let i = 0; i < 50; i++) await chat(url, `warm-up ${i}`); // bundles, connections, JIT

    const sequential: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) sequential.push(await chat(url, `bench request ${i}`));

    const concurrent: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CONCURRENT_REQUESTS) concurrent.push(await chat(url, `concurrent request ${next++}`));
      }),
    );
    const seconds = (performance.now() - started) / 1000;

    // Cache hits: one paid call, then identical deterministic requests answered by the API's fast path.
    await chat(url, 'cached question', { temperature: 0 });
    const hits: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) hits.push(await chat(url, 'cached question', { temperature: 0 }));

    // Coalescing: identical jobs submitted at once, against a provider that takes 1 s to answer.
    mock.setBehavior({ latencyMs: 1_000 });
    const callsBefore = mock.stats().byEndpoint['openai.chat'] ?? 0;
    const coalescedJobs = await Promise.all(
      Array.from({ length: COALESCED_JOBS }, () => submitAndWait(url, 'one question asked by many')),
    );
    const coalescingCalls = (mock.stats().byEndpoint['openai.chat'] ?? 0) - callsBefore;
    mock.setBehavior({ latencyMs: 0 });

    const result = {
      scenario: 'synchronous chat completions against the mock provider at 0 ms; one worker and one API process',
      machine: `${(await import('node:os')).cpus().length} cores, node ${process.version}`,
      sequential: { requests: SEQUENTIAL, latencyMs: summary(sequential) },
      concurrent: {
        requests: CONCURRENT_REQUESTS,
        concurrency: CONCURRENCY,
        latencyMs: summary(concurrent),
        jobsPerSecond: +(CONCURRENT_REQUESTS / seconds).toFixed(1),
      },
      cacheHitFastPath: { requests: SEQUENTIAL, latencyMs: summary(hits) },
      coalescing: {
        identicalJobs: COALESCED_JOBS,
        providerCalls: coalescingCalls,
        sharedAnswers: coalescedJobs.filter((j) => j.coalesced).length,
        ratio: `${COALESCED_JOBS}:${coalescingCalls}`,
      },
    };
    console.log(JSON.stringify(result, null, 2));
    writeFileSync(join(__dirname, 'results', 'sync-chat-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await stopChild(api);
    await stopChild(worker);
    await mock.close();
    await temporal.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
