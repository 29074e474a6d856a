import { randomBytes } from 'node:crypto';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';
import { replayQuery } from '../../src/api/bulk-replay-service';
import { TENANT } from '../../src/contract/search-attributes';
import { jobsTaskQueue } from '../../src/contract/task-queues';
import { itemsOf } from '../helpers/job-list';

const ADMIN = 'sk-test-bulk-admin';
const suffix = randomBytes(3).toString('hex');
// The dev server is shared by every test file: this file's tenants and route are its own.
const ACME = `acme${suffix}`;
const GLOBEX = `globex${suffix}`;
const ROUTE = `replayable-${suffix}`;
const PACED = `paced${suffix}`;

let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    env: { SWITCHYARD_ADMIN_KEY: ADMIN },
    config: {
      tenants: {
        [ACME]: tenant(ACME),
        [GLOBEX]: tenant(GLOBEX),
        [PACED]: tenant(PACED, { limits: { requestsPerMinute: 60 } }),
      },
      // The outage must fail the jobs themselves, not open circuits that would outlast it.
      circuitBreaker: { consecutiveFailures: 1_000, minRequests: 1_000 },
      routes: { [ROUTE]: { targets: [{ target: 'gpt-4o-mini', maxAttempts: 1 }] } },
    },
  });
  url = harness.api!.url;
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

/** The text of the `n`th job of `owner`: unique, so the mock's call log tells the jobs apart. */
const textOf = (owner: string, n: number) => `outage ${owner} job n${n}.`;

async function runJob(owner: string, text: string): Promise<{ id: string; status: string }> {
  const submitted = await api(url, 'POST', '/v1/jobs', { key: tenantKey(owner), body: chatBody(text, ROUTE) });
  expect(submitted.status).toBe(202);
  return (await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key: tenantKey(owner) })).body;
}

/** GETs `path` until `done` holds (visibility and workflows move on their own); the last answer. */
async function getUntil(key: string, path: string, done: (body: JsonResponse['body']) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api(url, 'GET', path, { key });
    expect(response.status).toBe(200);
    if (done(response.body) || Date.now() > deadline) return response;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const failedFilter = { status: 'failed', model: ROUTE, failure_type: 'SERVER_ERROR' };
const originals: Record<string, string[]> = { [ACME]: [], [GLOBEX]: [] };

test('one bulk replay turns 20 jobs an outage failed into 20 completed replays, each called and charged once', async () => {
  harness.mock.setBehavior({ errorRates: { '500': 1 } });
  const failed = await Promise.all([
    ...Array.from({ length: 20 }, (_, n) => runJob(ACME, textOf(ACME, n))),
    ...Array.from({ length: 2 }, (_, n) => runJob(GLOBEX, textOf(GLOBEX, n))),
  ]);
  expect(failed.map((job) => job.status)).toEqual(failed.map(() => 'failed'));
  originals[ACME] = failed.slice(0, 20).map((job) => job.id);
  originals[GLOBEX] = failed.slice(20).map((job) => job.id);
  // The provider recovers.
  harness.mock.setBehavior({ errorRates: {} });
  harness.mock.resetStats();
  const listed = await getUntil(
    tenantKey(ACME),
    `/v1/jobs?status=failed&model=${ROUTE}&failure_type=SERVER_ERROR`,
    (body) => body.data.length === 20,
  );
  expect(listed.body.data).toHaveLength(20);
  await getUntil(ADMIN, `/v1/jobs?status=failed&model=${ROUTE}`, (body) => body.data.length === 22);

  const preview = await api(url, 'POST', '/v1/jobs/replays', {
    key: tenantKey(ACME),
    body: { filter: failedFilter, dry_run: true },
  });
  expect(preview.status).toBe(200);
  expect(preview.body.object).toBe('bulk_replay_preview');
  expect(preview.body.matched).toBe(20);
  expect([...preview.body.job_ids].sort()).toEqual([...originals[ACME]].sort());

  const started = await api(url, 'POST', '/v1/jobs/replays', {
    key: tenantKey(ACME),
    body: { filter: failedFilter, per_second: 50 },
  });
  expect(started.status).toBe(202);
  expect(started.body).toMatchObject({ object: 'bulk_replay', status: 'running' });
  expect(started.body.id).toMatch(/^bulk_/);
  expect(started.body.links.self).toBe(`/v1/jobs/${started.body.id}`);

  const bulk = await getUntil(
    tenantKey(ACME),
    `/v1/jobs/${started.body.id}`,
    (body) => body.status !== 'running',
    60_000,
  );
  expect(bulk.body).toMatchObject({
    id: started.body.id,
    object: 'bulk_replay',
    status: 'completed',
    tenant: ACME,
    filter: { ...failedFilter, status: ['failed'] },
    progress: { matched: 20, replayed: 20, skipped: 0, failed: 0 },
    report: { skipped: [], failed: [] },
  });
  const replayed = bulk.body.report.replayed as Array<{ job_id: string; replay_id: string }>;
  expect(replayed.map((entry) => entry.job_id).sort()).toEqual([...originals[ACME]].sort());

  let costs = 0;
  for (const { job_id, replay_id } of replayed) {
    const replay = await api(url, 'GET', `/v1/jobs/${replay_id}?wait=30`, { key: tenantKey(ACME) });
    expect(replay.body).toMatchObject({ status: 'completed', replay_of: job_id });
    expect(replay.body.result.costUsd).toBeGreaterThan(0);
    costs += replay.body.result.costUsd as number;
  }
  // Every original has exactly one replay, as visibility lists them by SwitchyardReplayOf.
  const replays = await getUntil(
    tenantKey(ACME),
    `/v1/jobs?model=${ROUTE}&status=completed&limit=200`,
    (body) => body.data.length === 20,
  );
  const byOriginal = new Map<string, number>();
  for (const item of replays.body.data as Array<{ replay_of: string | null }>) {
    if (item.replay_of) byOriginal.set(item.replay_of, (byOriginal.get(item.replay_of) ?? 0) + 1);
  }
  expect([...byOriginal.keys()].sort()).toEqual([...originals[ACME]].sort());
  expect([...byOriginal.values()]).toEqual(originals[ACME].map(() => 1));
  const one = originals[ACME][0]!;
  const asked = await api(url, 'GET', `/v1/jobs?replay_of=${one}`, { key: tenantKey(ACME) });
  expect(itemsOf(asked.body).map((item) => item.id)).toEqual([
    replayed.find((entry) => entry.job_id === one)!.replay_id,
  ]);

  // One successful provider call per replay, and the ledger charged exactly what the replays cost.
  const calls = harness.mock.calls().calls;
  for (let n = 0; n < 20; n++) {
    expect(calls.filter((call) => call.promptHead.includes(textOf(ACME, n)))).toHaveLength(1);
  }
  expect(calls.filter((call) => call.promptHead.includes(`outage ${GLOBEX}`))).toHaveLength(0);
  const spend = await api(url, 'GET', '/v1/spend', { key: tenantKey(ACME) });
  expect(spend.body.daily.committedUsd).toBeCloseTo(costs, 9);
  expect(spend.body.daily.reservedUsd).toBeCloseTo(0, 9);

  // The other tenant's failed jobs were not touched.
  for (const id of originals[GLOBEX]) {
    expect((await api(url, 'GET', `/v1/jobs?replay_of=${id}`, { key: ADMIN })).body.data).toEqual([]);
  }
}, 90_000);

test("a dry run shows what a bulk replay would take, and never another tenant's jobs", async () => {
  const tenantView = await api(url, 'POST', '/v1/jobs/replays', {
    key: tenantKey(GLOBEX),
    body: { filter: { status: 'failed', model: ROUTE }, dry_run: true },
  });
  expect(tenantView.body.matched).toBe(2);
  expect([...tenantView.body.job_ids].sort()).toEqual([...originals[GLOBEX]!].sort());
  const limited = await api(url, 'POST', '/v1/jobs/replays', {
    key: tenantKey(ACME),
    body: { filter: { status: 'failed', model: ROUTE }, dry_run: true, max_jobs: 5 },
  });
  expect(limited.body.matched).toBe(5);
  const everyTenant = await api(url, 'POST', '/v1/jobs/replays', {
    key: ADMIN,
    body: { filter: { status: 'failed', model: ROUTE }, dry_run: true },
  });
  expect(everyTenant.body.matched).toBe(22);
  const oneTenant = await api(url, 'POST', `/v1/jobs/replays?tenant=${GLOBEX}`, {
    key: ADMIN,
    body: { filter: { status: 'failed', model: ROUTE }, dry_run: true },
  });
  expect(oneTenant.body.matched).toBe(2);
});

test("a tenant's bulk replay replays only its own jobs, and only it and operators can read or cancel it", async () => {
  // Slow on purpose: one replay, then a ten-second pause in which the bulk replay is cancelled.
  const started = await api(url, 'POST', '/v1/jobs/replays', {
    key: tenantKey(GLOBEX),
    body: { filter: { status: 'failed', model: ROUTE }, per_second: 0.1 },
  });
  expect(started.status).toBe(202);
  const id = started.body.id as string;
  const first = await getUntil(tenantKey(GLOBEX), `/v1/jobs/${id}`, (body) => body.progress.replayed === 1);
  expect(first.body).toMatchObject({ status: 'running', tenant: GLOBEX, report: null });
  expect(first.body.progress).toEqual({ matched: 2, replayed: 1, skipped: 0, failed: 0 });

  expect((await api(url, 'GET', `/v1/jobs/${id}`, { key: tenantKey(ACME) })).status).toBe(404);
  expect((await api(url, 'POST', `/v1/jobs/${id}/cancel`, { key: tenantKey(ACME) })).status).toBe(404);
  expect((await api(url, 'GET', `/v1/jobs/${id}`, { key: ADMIN })).body.tenant).toBe(GLOBEX);
  const cancelled = await api(url, 'POST', `/v1/jobs/${id}/cancel`, { key: tenantKey(GLOBEX) });
  expect(cancelled.status).toBe(202);
  expect(cancelled.body.status).toBe('cancelling');
  const ended = await getUntil(tenantKey(GLOBEX), `/v1/jobs/${id}`, (body) => body.status !== 'running');
  expect(ended.body.status).toBe('cancelled');
  // Only one of the two was replayed, and every replay it started is the other tenant's own.
  const replays = await getUntil(ADMIN, `/v1/jobs?model=${ROUTE}&tenant=${GLOBEX}`, (body) =>
    itemsOf(body).some((item) => item.replay_of),
  );
  const replayOf = itemsOf(replays.body)
    .map((item) => item.replay_of)
    .filter(Boolean);
  expect(replayOf).toHaveLength(1);
  expect(originals[GLOBEX]).toContain(replayOf[0]);
}, 60_000);

test("a tenant's bulk replay goes no faster than its requests-per-minute limit", async () => {
  const body = { filter: { status: 'failed', model: ROUTE }, per_second: 50 };
  const paced = await api(url, 'POST', '/v1/jobs/replays', { key: tenantKey(PACED), body });
  expect(paced.status).toBe(202);
  expect(paced.body.per_second).toBe(1);
  const unlimited = await api(url, 'POST', '/v1/jobs/replays', {
    key: tenantKey(GLOBEX),
    body: { ...body, dry_run: false },
  });
  expect(unlimited.status).toBe(202);
  expect(unlimited.body.per_second).toBe(50);
  for (const [key, id] of [
    [tenantKey(PACED), paced.body.id],
    [tenantKey(GLOBEX), unlimited.body.id],
  ] as const) {
    await api(url, 'POST', `/v1/jobs/${id}/cancel`, { key });
  }
});

test('a bad bulk replay body is a 400 naming the field', async () => {
  const cases: Array<[unknown, string]> = [
    [{ max_jobs: 0 }, 'max_jobs'],
    [{ max_jobs: 10_001 }, 'max_jobs'],
    [{ per_second: 0 }, 'per_second'],
    [{ per_second: 101 }, 'per_second'],
    [{ dry_run: 'yes' }, 'dry_run'],
    [{ filter: { status: 'lost' } }, 'filter.status'],
    [{ filter: { created_after: 'last week' } }, 'filter.created_after'],
    [{ filter: { degraded: 'no' } }, 'filter.degraded'],
    [{ filter: { colour: 'blue' } }, 'filter.colour'],
    [{ overrides: { model: 'no-such-model' } }, 'overrides.model'],
    [{ everything: true }, 'everything'],
  ];
  for (const [body, param] of cases) {
    const response = await api(url, 'POST', '/v1/jobs/replays', { key: tenantKey(ACME), body });
    expect({ body, status: response.status, param: response.body.param }).toEqual({ body, status: 400, param });
  }
  expect((await api(url, 'GET', '/v1/jobs/bulk_nothing_here', { key: tenantKey(ACME) })).status).toBe(404);
});

test('a long bulk replay continues as new, carrying the jobs still to replay and its report', async () => {
  const bulkId = `bulk_can${randomBytes(6).toString('hex')}`;
  const handle = await harness.client.workflow.start('bulkReplay', {
    workflowId: bulkId,
    taskQueue: jobsTaskQueue(harness.config.temporal.taskQueuePrefix),
    args: [
      {
        bulkId,
        tenantId: ACME,
        query: replayQuery({ status: ['failed'], model: ROUTE }, ACME),
        overrides: {},
        maxJobs: 5,
        perSecond: 100,
        jobsPerRun: 2,
      },
    ],
    memo: { tenant: ACME, filter: { status: ['failed'], model: ROUTE }, overrides: {} },
    typedSearchAttributes: [{ key: TENANT, value: ACME }],
  });
  const report = (await handle.result()) as { replayed: unknown[] };
  expect(report.replayed).toHaveLength(5);
  // The handle start() gave is bound to the first run; the latest run is the id's own.
  const description = await harness.client.workflow.getHandle(bulkId).describe();
  expect(description.raw.workflowExecutionInfo?.firstRunId).not.toBe(description.runId);
  const view = await api(url, 'GET', `/v1/jobs/${bulkId}`, { key: tenantKey(ACME) });
  expect(view.body).toMatchObject({ status: 'completed', tenant: ACME, progress: { matched: 5, replayed: 5 } });
  expect(Date.parse(view.body.created_at)).toBeLessThan(description.startTime.getTime());
}, 60_000);
