import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';
import { exited, spawnWorker } from '../helpers/worker-process';
import { itemsOf } from '../helpers/job-list';

const suffix = randomBytes(3).toString('hex');
// The dev server is shared by every test file: this file's tenant and route are its own.
const ACME = `acme${suffix}`;
const ROUTE = `durable-${suffix}`;
const JOBS = 12;
const key = tenantKey(ACME);
const scratch = mkdtempSync(join(tmpdir(), 'switchyard-bulk-replay-'));
const workers: ChildProcess[] = [];

let harness: Harness;
let url: string;

beforeAll(async () => {
  // No worker in this process: the workers are real processes, and one of them is killed.
  harness = await startHarness({
    api: true,
    worker: false,
    config: {
      tenants: { [ACME]: tenant(ACME) },
      circuitBreaker: { consecutiveFailures: 1_000, minRequests: 1_000 },
      routes: { [ROUTE]: { targets: [{ target: 'gpt-4o-mini', maxAttempts: 1 }] } },
    },
  });
  url = harness.api!.url;
  await startWorker();
}, 90_000);

afterAll(async () => {
  for (const worker of workers) {
    worker.kill('SIGTERM');
    setTimeout(() => worker.kill('SIGKILL'), 10_000).unref();
  }
  await Promise.all(workers.map(exited));
  await harness?.close();
  rmSync(scratch, { recursive: true, force: true });
}, 30_000);

const workerLog = (n: number) => join(scratch, `worker-${n}.log`);

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
  const child = spawnWorker({ ...harness.env, LOG_LEVEL: 'info' }, workerLog(n));
  workers.push(child);
  const deadline = Date.now() + 60_000;
  while (!loggedStart(n)) {
    if (child.exitCode !== null) throw new Error(`worker ${n} exited with ${child.exitCode}; see ${workerLog(n)}`);
    if (Date.now() > deadline) throw new Error(`worker ${n} did not start; see ${workerLog(n)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

async function getUntil(path: string, done: (body: JsonResponse['body']) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api(url, 'GET', path, { key });
    expect(response.status).toBe(200);
    if (done(response.body) || Date.now() > deadline) return response;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const textOf = (n: number) => `durable outage ${suffix} job n${n}.`;

test('a bulk replay whose worker is killed completes on another worker, replaying each job once', async () => {
  harness.mock.setBehavior({ errorRates: { '500': 1 } });
  const failed = await Promise.all(
    Array.from({ length: JOBS }, async (_, n) => {
      const submitted = await api(url, 'POST', '/v1/jobs', { key, body: chatBody(textOf(n), ROUTE) });
      return (await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key })).body as {
        id: string;
        status: string;
      };
    }),
  );
  expect(failed.map((job) => job.status)).toEqual(failed.map(() => 'failed'));
  const originals = failed.map((job) => job.id).sort();
  harness.mock.setBehavior({ errorRates: {} });
  harness.mock.resetStats();
  await getUntil(`/v1/jobs?status=failed&model=${ROUTE}`, (body) => body.data.length === JOBS);

  // Three replays a second: the worker is killed with most of them still to start.
  const started = await api(url, 'POST', '/v1/jobs/replays', {
    key,
    body: { filter: { status: 'failed', model: ROUTE }, per_second: 3 },
  });
  expect(started.status).toBe(202);
  const bulkPath = `/v1/jobs/${started.body.id}`;
  const midway = await getUntil(bulkPath, (body) => body.progress.replayed >= 3);
  expect(midway.body.status).toBe('running');
  workers[0]!.kill('SIGKILL');
  await exited(workers[0]!);
  await startWorker();

  const done = await getUntil(bulkPath, (body) => body.status !== 'running', 60_000);
  expect(done.body).toMatchObject({
    status: 'completed',
    progress: { matched: JOBS, replayed: JOBS, skipped: 0, failed: 0 },
    report: { skipped: [], failed: [] },
  });
  const replayed = done.body.report.replayed as Array<{ job_id: string; replay_id: string }>;
  expect(replayed.map((entry) => entry.job_id).sort()).toEqual(originals);
  expect(new Set(replayed.map((entry) => entry.replay_id)).size).toBe(JOBS);

  // Exactly one job per original, and it is the one the report names.
  const listed = await getUntil(
    `/v1/jobs?model=${ROUTE}&status=completed,running&limit=200`,
    (body) => itemsOf(body).filter((item) => item.replay_of).length >= JOBS,
  );
  const replays = (listed.body.data as Array<{ id: string; replay_of: string | null }>).filter(
    (item) => item.replay_of,
  );
  expect(replays.map((item) => item.replay_of).sort()).toEqual(originals);
  for (const { job_id, replay_id } of replayed) {
    expect(replays.find((item) => item.replay_of === job_id)?.id).toBe(replay_id);
    const replay = await api(url, 'GET', `/v1/jobs/${replay_id}?wait=30`, { key });
    expect(replay.body).toMatchObject({ status: 'completed', replay_of: job_id });
  }
  // Every replay reached the provider. (A replay whose own provider call was in flight on the killed worker may
  // call again when its job resumes: that is the job's retry, within its one workflow, not a second replay.)
  const calls = harness.mock.calls().calls;
  for (let n = 0; n < JOBS; n++) {
    expect(calls.filter((call) => call.promptHead.includes(textOf(n))).length).toBeGreaterThanOrEqual(1);
  }
}, 150_000);
