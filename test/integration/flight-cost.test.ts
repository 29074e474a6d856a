import { costOf } from '../../src/contract/cost';
import { providerFlight } from '../../workflows/provider-flight';
import { flightWorkflowId, type FlightInput, type FlightResult } from '../../src/contract/flight';
import { joinFlightSignal } from '../../workflows/messages';
import { jobsTaskQueue } from '../../src/contract/task-queues';
import { planJob } from '../../src/api/job-plan';
import { createResponseCache } from '../../src/stores/cache/open';
import { parseStoreUrl } from '../../src/contract/store-url';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;
const GPT_4O_MINI = { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 };

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    config: {
      tenants: {
        acme: tenant('acme', { budget: { dailyUsd: 100 } }),
        beta: tenant('beta', { budget: { dailyUsd: 100 } }),
        gamma: tenant('gamma', { budget: { dailyUsd: 100 } }),
        delta: tenant('delta', { budget: { dailyUsd: 100 } }),
      },
    },
  });
});
afterAll(async () => {
  await harness?.close();
});

async function committedUsd(tenantId: string): Promise<{ committed: number; reserved: number }> {
  const spend = await api(harness.api!.url, 'GET', '/v1/spend', { key: tenantKey(tenantId) });
  return { committed: spend.body.daily.committedUsd as number, reserved: spend.body.daily.reservedUsd as number };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const okCalls = () => harness.mock.stats().byStatus['200'] ?? 0;

test('when the job that started a shared call is cancelled, the flight still charges the call it made, once', async () => {
  const url = harness.api!.url;
  const key = tenantKey('acme');
  const body = chatBody('shared and abandoned by its leader [[mock:latency=2500]]', 'gpt-4o-mini', { temperature: 0 });
  const callsBefore = okCalls();
  const leader = await api(url, 'POST', '/v1/jobs', { key, body });
  await new Promise((r) => setTimeout(r, 500));
  const follower = await api(url, 'POST', '/v1/jobs', { key, body });
  await new Promise((r) => setTimeout(r, 500));
  expect((await api(url, 'POST', `/v1/jobs/${leader.body.id}/cancel`, { key })).status).toBe(202);

  const followed = await api(url, 'GET', `/v1/jobs/${follower.body.id}?wait=30`, { key });
  expect(followed.body.status).toBe('completed');
  expect((await api(url, 'GET', `/v1/jobs/${leader.body.id}?wait=10`, { key })).body.status).toBe('cancelled');
  expect(okCalls() - callsBefore).toBe(1);

  // Before: the cancelled leader released its reservation and the follower paid nothing — the call went unpaid.
  const usage = followed.body.result.completion.usage;
  await until(async () => (await committedUsd('acme')).reserved === 0, 'the reservations to settle');
  expect((await committedUsd('acme')).committed).toBeCloseTo(costOf(usage, GPT_4O_MINI) ?? -1, 9);
}, 60_000);

test('when every job waiting on a shared call is cancelled, the provider request is aborted and nothing is charged', async () => {
  const url = harness.api!.url;
  const key = tenantKey('beta');
  const body = chatBody('nobody waits any more [[mock:hang]]', 'gpt-4o-mini', { temperature: 0 });
  const hangs = () => harness.mock.stats().byStatus.hang ?? 0;
  const hangsBefore = hangs();
  const abortedBefore = harness.mock.stats().abortedConnections;
  const job = await api(url, 'POST', '/v1/jobs', { key, body });
  await until(() => hangs() > hangsBefore, 'the provider to receive the request');
  expect((await api(url, 'POST', `/v1/jobs/${job.body.id}/cancel`, { key })).status).toBe(202);

  await until(() => harness.mock.stats().abortedConnections > abortedBefore, 'the provider request to be aborted');
  expect((await api(url, 'GET', `/v1/jobs/${job.body.id}?wait=10`, { key })).body.status).toBe('cancelled');
  await until(async () => (await committedUsd('beta')).reserved === 0, 'the reservation to be released');
  expect((await committedUsd('beta')).committed).toBe(0);
}, 60_000);

test('a flight started again after one ended answers from the cache without paying again, or charges the call it makes', async () => {
  const request = chatBody('asked again after the flight ended', 'gpt-4o-mini', { temperature: 0 });
  const plan = planJob(harness.config, 'gamma', request);
  expect(plan.cache).not.toBeNull();
  const input: FlightInput = {
    leaderJobId: 'job_flightcosttest1',
    tenantId: 'gamma',
    request: plan.request,
    targets: plan.targets,
    cache: plan.cache!,
  };
  const queue = jobsTaskQueue(harness.config.temporal.taskQueuePrefix);
  const fly = async (): Promise<FlightResult> => {
    const handle = await harness.client.workflow.signalWithStart(providerFlight, {
      workflowId: flightWorkflowId(input.cache.key),
      taskQueue: queue,
      args: [input],
      signal: joinFlightSignal,
      signalArgs: [input.leaderJobId],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    return handle.result();
  };
  const callsBefore = okCalls();
  const first = await fly();
  expect(first).toMatchObject({ fromCache: false, charged: true });
  const cost = costOf(first.usage, GPT_4O_MINI) ?? -1;
  expect((await committedUsd('gamma')).committed).toBeCloseTo(cost, 9);

  // The job's retry re-joins after the flight ended: the answer is in the cache, nothing is paid twice, and
  // the job still learns that the call was its own (already charged).
  const again = await fly();
  expect(again).toMatchObject({ fromCache: false, charged: true, costUsd: first.costUsd });
  expect(okCalls() - callsBefore).toBe(1);
  expect((await committedUsd('gamma')).committed).toBeCloseTo(cost, 9);

  // Without the cached answer the new flight calls again, and that call is charged too.
  const cache = await createResponseCache(parseStoreUrl('CACHE_URL', harness.config.stores.cacheUrl));
  await cache.delete(input.cache.key);
  await cache.close();
  const third = await fly();
  expect(third).toMatchObject({ fromCache: false, charged: true });
  expect(okCalls() - callsBefore).toBe(2);
  expect((await committedUsd('gamma')).committed).toBeCloseTo(cost + (costOf(third.usage, GPT_4O_MINI) ?? -1), 9);
}, 60_000);

test('identical requests of several jobs are charged once in total, to the tenant whose job started the call', async () => {
  const url = harness.api!.url;
  const key = tenantKey('delta');
  const body = chatBody('one call for three jobs [[mock:latency=1000]]', 'gpt-4o-mini', { temperature: 0 });
  const callsBefore = okCalls();
  const jobs = await Promise.all([0, 1, 2].map(() => api(url, 'POST', '/v1/jobs', { key, body })));
  const results = await Promise.all(jobs.map((job) => api(url, 'GET', `/v1/jobs/${job.body.id}?wait=30`, { key })));
  expect(results.map((r) => r.body.status)).toEqual(['completed', 'completed', 'completed']);
  expect(okCalls() - callsBefore).toBe(1);
  const reported = results.reduce((sum, r) => sum + (r.body.result.costUsd as number), 0);
  const cost = costOf(results[0]!.body.result.completion.usage, GPT_4O_MINI) ?? -1;
  expect(reported).toBeCloseTo(cost, 9);
  await until(async () => (await committedUsd('delta')).reserved === 0, 'the reservations to settle');
  expect((await committedUsd('delta')).committed).toBeCloseTo(cost, 9);
}, 60_000);
