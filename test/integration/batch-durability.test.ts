import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BatchView } from '../../src/api/batch-view';
import { BATCH_PRICE_FACTOR } from '../../src/contract/batch-job';
import { embed } from '../../src/mock-provider/content';
import type { PeriodSpend, TenantSpend } from '../../src/stores/ledger/contract';
import { startDevServer, type DevServer } from '../helpers/dev-server';
import { startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { exited, spawnWorker } from '../helpers/worker-process';

const REQUESTS = 500;
/** Every 50th request asks the mock for a 400: ten per-item errors. */
const ERROR_EVERY = 50;
/**
 * How long the mock takes over the whole batch. Long enough for a worker to be killed and replaced (the new
 * worker bundles the workflows at start-up, seconds) and for the dev server to be restarted while items are
 * still being answered.
 */
const BATCH_MS = 40_000;
/** How long the dev server stays down: long enough for timers to come due and calls to fail while it is away. */
const OUTAGE_MS = 3_000;
// $1,000 per million tokens, i.e. $0.001 a token, so the charge of a few thousand tokens is plain to see.
const PRICE_PER_TOKEN = 0.001;
const KEY = tenantKey('acme');
const ENDED = ['completed', 'failed', 'cancelled', 'expired'];

const config = {
  models: {
    'pricey-chat': { provider: 'openai', model: 'gpt-4o-mini', inputUsdPerMTok: 1000, outputUsdPerMTok: 1000 },
    'pricey-embed': {
      provider: 'openai',
      model: 'text-embedding-3-small',
      inputUsdPerMTok: 1000,
      outputUsdPerMTok: 0,
      kind: 'embedding',
    },
  },
  // Short polls, so that progress shows and a restart only costs a second of waiting.
  batchJobs: { pollInitialSeconds: 0.5, pollMaxSeconds: 1 },
  tenants: { acme: tenant('acme', { budget: { dailyUsd: 1000 } }) },
};

/** Holds this file's Temporal database and worker logs; removed in afterAll. */
const scratch = mkdtempSync(join(tmpdir(), 'switchyard-batch-durability-'));
const dbFile = join(scratch, 'temporal.db');
const serverLogDirs: string[] = [];
let server: DevServer | undefined;
let harness: Harness | undefined;
const workers: ChildProcess[] = [];

/** This file's own dev server, on a file, so that stopping it disturbs no other test file. */
async function startServer(previous?: DevServer): Promise<DevServer> {
  const started = await startDevServer({
    dbFile,
    fastSqlite: false,
    ...(previous ? { port: previous.port, uiPort: previous.uiPort } : {}),
  });
  serverLogDirs.push(dirname(started.logFile));
  return started;
}

beforeAll(async () => {
  server = await startServer();
  harness = await startHarness({
    api: true,
    worker: false,
    config,
    mock: { batchCompletionMs: BATCH_MS },
    env: { TEMPORAL_ADDRESS: server.address },
  });
  await startWorker();
}, 120_000);

afterAll(async () => {
  for (const worker of workers) {
    worker.kill('SIGTERM');
    setTimeout(() => worker.kill('SIGKILL'), 10_000).unref();
  }
  await Promise.all(workers.map(exited));
  await harness?.close();
  await server?.stop();
  // The harness's stores and config file live in temp dirs of their own.
  const harnessDirs = [harness?.env.CACHE_URL, harness?.env.SWITCHYARD_CONFIG]
    .filter((path): path is string => path !== undefined)
    .map((path) => dirname(path.replace(/^sqlite:\/\//, '')));
  for (const dir of [scratch, ...serverLogDirs, ...harnessDirs]) rmSync(dir, { recursive: true, force: true });
}, 60_000);

function started(): Harness {
  if (!harness) throw new Error('the harness did not start');
  return harness;
}

function workerLog(n: number): string {
  return join(scratch, `worker-${n}.log`);
}

function loggedStart(n: number): boolean {
  let text = '';
  try {
    text = readFileSync(workerLog(n), 'utf8');
  } catch {
    return false;
  }
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .some((line) => (JSON.parse(line) as { msg?: string }).msg === 'worker started');
}

/** Starts one more worker process and waits until it polls. */
async function startWorker(): Promise<ChildProcess> {
  const n = workers.length + 1;
  const child = spawnWorker({ ...started().env, LOG_LEVEL: 'info' }, workerLog(n));
  workers.push(child);
  const deadline = Date.now() + 60_000;
  while (!loggedStart(n)) {
    if (child.exitCode !== null) throw new Error(`worker ${n} exited with ${child.exitCode}; see ${workerLog(n)}`);
    if (Date.now() > deadline) throw new Error(`worker ${n} did not start; see ${workerLog(n)}`);
    await sleep(100);
  }
  return child;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A batch input line asking the mock to echo `text`. */
function line(customId: string, text: string) {
  return {
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'pricey-chat', messages: [{ role: 'user', content: text }], max_tokens: 50 },
  };
}

/** The tenant's spend today, as `GET /v1/spend` reports it. */
async function spend(): Promise<PeriodSpend> {
  const response = await api(started().api!.url, 'GET', '/v1/spend', { key: KEY });
  expect(response.status).toBe(200);
  return (response.body as TenantSpend).daily;
}

/** The lines of one of the batch's files. */
async function fileLines(id: string | null): Promise<Array<Record<string, unknown>>> {
  if (id === null) return [];
  const response = await fetch(`${started().api!.url}/v1/files/${id}/content`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.text())
    .trim()
    .split('\n')
    .map((text) => JSON.parse(text) as Record<string, unknown>);
}

/** What the test had done to the batch's surroundings when a view was read. */
type Stage = 'first worker' | 'second worker' | 'restarted server';

interface Sample {
  stage: Stage;
  status: BatchView['status'];
  completed: number;
}

/**
 * Reads the batch every 250 ms until it ends, keeping what each read showed. A 503 (Temporal unreachable, as
 * while the dev server restarts) is retried; any other failure ends the watch.
 */
class BatchWatch {
  readonly samples: Sample[] = [];
  stage: Stage = 'first worker';
  unavailable = 0;
  readonly ended: Promise<BatchView>;

  constructor(private readonly id: string) {
    this.ended = this.run();
    // Read by the test once it is done with the disruptions; a failure before that surfaces there.
    this.ended.catch(() => undefined);
  }

  /** The highest `completed` count seen in progress at `stage`; -1 when none was. */
  maxInProgress(stage: Stage): number {
    return Math.max(-1, ...this.inProgress(stage));
  }

  inProgress(stage?: Stage): number[] {
    return this.samples
      .filter((s) => s.status === 'in_progress' && (!stage || s.stage === stage))
      .map((s) => s.completed);
  }

  /** Resolves once `done()` holds; rejects if the batch ends first or `timeoutMs` passes. */
  async until(what: string, done: () => boolean, timeoutMs = 45_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let over = false;
    void this.ended.finally(() => (over = true)).catch(() => undefined);
    while (!done()) {
      if (over) throw new Error(`the batch ended before ${what}: ${JSON.stringify(this.samples.slice(-5))}`);
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting until ${what}: ${JSON.stringify(this.samples.slice(-5))}`);
      }
      await sleep(50);
    }
  }

  private async run(): Promise<BatchView> {
    const url = started().api!.url;
    const deadline = Date.now() + 150_000;
    for (;;) {
      if (Date.now() > deadline) {
        throw new Error(`batch ${this.id} did not end: ${JSON.stringify(this.samples.at(-1))}`);
      }
      // A read is counted at the stage it was sent in: its answer cannot know of anything done after.
      const stage = this.stage;
      const response = await api(url, 'GET', `/v1/batches/${this.id}`, { key: KEY });
      if (response.status === 503) {
        this.unavailable++;
      } else {
        if (response.status !== 200) {
          throw new Error(`GET /v1/batches: ${response.status} ${JSON.stringify(response.body)}`);
        }
        const view = response.body as BatchView;
        this.samples.push({ stage, status: view.status, completed: view.request_counts.completed });
        if (ENDED.includes(view.status)) return view;
      }
      await sleep(250);
    }
  }
}

/** Prints the tail of every worker's log when `run` fails: the batch ran there, and afterAll removes the logs. */
async function withWorkerLogs(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    for (const n of workers.keys()) {
      console.error(`worker ${n + 1}:\n${readFileSync(workerLog(n + 1), 'utf8').slice(-3_000)}`);
    }
    throw err;
  }
}

test(
  `a batch of ${REQUESTS} survives a worker kill and a dev-server restart, and is answered in order and charged once`,
  () =>
    withWorkerLogs(async () => {
      const { mock, api: running } = started();
      const url = running!.url;
      const stamp = Date.now();
      const failing = (i: number) => i % ERROR_EVERY === ERROR_EVERY - 1;
      const requests = Array.from({ length: REQUESTS }, (_, i) =>
        line(`item-${i}`, `durable ${i} ${stamp}${failing(i) ? ' [[mock:status=400]]' : ''}`),
      );
      const ids = requests.map((r) => r.custom_id);
      const failingIds = ids.filter((_, i) => failing(i));
      const spendBefore = await spend();
      const createsBefore = mock.stats().byEndpoint['openai.batches.create'] ?? 0;
      const callsBefore = mock.calls().calls.length;
      /** The batch items the mock has answered (and logged, once each) so far. */
      const answered = () =>
        mock
          .calls()
          .calls.slice(callsBefore)
          .filter((call) => call.endpoint === 'openai.batch');
      const t0 = Date.now();
      const seconds = () => ((Date.now() - t0) / 1000).toFixed(1);
      const timeline: string[] = [];

      const created = await api(url, 'POST', '/v1/batches', {
        body: { requests, endpoint: '/v1/chat/completions', completion_window: '24h' },
        key: KEY,
      });
      expect(created.status).toBe(200);
      const id = (created.body as BatchView).id;
      const watch = new BatchWatch(id);

      // A worker dies mid-batch, without a chance to finish anything; another takes over its work.
      await watch.until('a tenth of the batch was answered', () => watch.maxInProgress('first worker') >= 50);
      watch.stage = 'second worker';
      const first = workers[0]!;
      first.kill('SIGKILL');
      await exited(first);
      // The mock answers items when the batch is polled, so this is what the first worker's last poll saw: a
      // higher count can only come from a poll made after the kill.
      const answeredAtKill = answered().length;
      timeline.push(`worker killed at ${seconds()} s (${answeredAtKill} answered)`);
      await startWorker();
      timeline.push(`second worker up at ${seconds()} s`);
      await watch.until(
        'the second worker reported progress',
        () => watch.maxInProgress('second worker') > answeredAtKill,
      );
      timeline.push(`second worker reported ${watch.maxInProgress('second worker')} at ${seconds()} s`);

      // Then the Temporal server itself goes away, and comes back on the same address and database.
      watch.stage = 'restarted server';
      await server!.stop();
      timeline.push(`dev server stopped at ${seconds()} s`);
      await sleep(OUTAGE_MS);
      server = await startServer(server);
      const answeredAtRestart = answered().length;
      timeline.push(`dev server up again at ${seconds()} s (${answeredAtRestart} answered)`);

      const ended = await watch.ended;
      timeline.push(`batch ${ended.status} at ${seconds()} s`);
      console.log(
        `batch durability: ${timeline.join(', ')}; in-progress counts seen ${JSON.stringify(watch.inProgress())}; ` +
          `${watch.unavailable} reads answered 503`,
      );

      // Progress was reported while the batch ran, and polls went on after the restart while items were still due.
      expect(new Set(watch.inProgress()).size).toBeGreaterThan(1);
      // It never seemed to go back, not even while no worker was there to answer: once in progress, every read
      // showed it in progress (or past it) with at least the count of the read before.
      const fromStart = watch.samples.slice(watch.samples.findIndex((sample) => sample.status === 'in_progress'));
      for (const [i, sample] of fromStart.entries()) {
        expect(sample.status).not.toBe('validating');
        expect(sample.completed).toBeGreaterThanOrEqual(fromStart[i - 1]?.completed ?? 0);
      }
      expect(watch.maxInProgress('restarted server')).toBeGreaterThan(answeredAtRestart);

      expect(ended.status).toBe('completed');
      expect(failingIds).toHaveLength(10);
      expect(ended.request_counts).toEqual({ total: 500, completed: 490, failed: 10 });

      const output = await fileLines(ended.output_file_id);
      const errors = await fileLines(ended.error_file_id);
      expect(output.length + errors.length).toBe(REQUESTS);
      expect(output.map((l) => l.custom_id)).toEqual(ids.filter((_, i) => !failing(i)));
      expect(errors.map((l) => l.custom_id)).toEqual(failingIds);
      for (const error of errors) expect(error.error).toMatchObject({ code: 'provider_invalid_request' });
      // Each answer is the one to its own request, not merely a line in the right place.
      for (const answer of output) {
        const index = Number((answer.custom_id as string).slice('item-'.length));
        expect(answer.response).toMatchObject({ status_code: 200 });
        const body = (answer.response as { body: { choices: Array<{ message: { content: string } }> } }).body;
        expect(body.choices[0]?.message.content).toContain(`durable ${index} ${stamp}`);
      }

      // One provider batch, whatever was retried or replayed, and each item answered once.
      expect((mock.stats().byEndpoint['openai.batches.create'] ?? 0) - createsBefore).toBe(1);
      expect(mock.calls().dropped).toBe(0);
      const calls = answered();
      expect(calls).toHaveLength(490);

      // Charged once, at the batch price, for exactly what the provider answered; the reservation is gone.
      const tokens = calls.reduce((sum, call) => sum + call.promptTokens + call.completionTokens, 0);
      const expectedUsd = tokens * PRICE_PER_TOKEN * BATCH_PRICE_FACTOR;
      expect(BATCH_PRICE_FACTOR).toBe(0.5);
      const spendAfter = await spend();
      expect(spendAfter.committedUsd - spendBefore.committedUsd).toBeCloseTo(expectedUsd, 6);
      expect(spendAfter.reservedUsd).toBe(spendBefore.reservedUsd);
      expect(ended.switchyard.cost_usd).toBeCloseTo(expectedUsd, 6);
    }),
  180_000,
);

test('embeddings whose worker is killed mid-call are embedded by the next worker, and charged what the provider billed', async () => {
  const { mock, api: running } = started();
  const url = running!.url;
  const spendBefore = await spend();
  const callsBefore = mock.calls().calls.length;
  // The provider takes a second, so the kill lands while the batches' calls are out.
  mock.setBehavior({ latencyMs: 1_000 });
  try {
    const stamp = Date.now();
    const texts = Array.from({ length: 200 }, (_, i) => `embedded through a crash ${i} ${stamp}`);
    const answers = Promise.all(
      texts.map((text) =>
        api(url, 'POST', '/v1/embeddings', { body: { model: 'pricey-embed', input: text }, key: KEY }),
      ),
    );
    await sleep(500);
    const current = workers.at(-1)!;
    current.kill('SIGKILL');
    await exited(current);
    await startWorker();
    const done = await answers;
    done.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      expect(answer.body.data[0].embedding).toEqual(embed(texts[i] ?? ''));
    });
    const calls = mock
      .calls()
      .calls.slice(callsBefore)
      .filter((call) => call.endpoint === 'openai.embeddings');
    const tokens = calls.reduce((sum, call) => sum + call.promptTokens, 0);
    // Every texts' call was paid once and charged once; the killed worker's calls were cut before an answer.
    expect(tokens).toBe(done.reduce((sum, answer) => sum + (answer.body.usage.prompt_tokens as number), 0));
    const spendAfter = await spend();
    expect(spendAfter.committedUsd - spendBefore.committedUsd).toBeCloseTo(tokens * PRICE_PER_TOKEN, 6);
    expect(spendAfter.reservedUsd).toBe(spendBefore.reservedUsd);
  } finally {
    mock.setBehavior({ latencyMs: 0 });
  }
}, 120_000);
