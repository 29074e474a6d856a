import { Worker } from '@temporalio/worker';
import { jobsTaskQueue } from '../../src/contract/task-queues';
import { chatBody, startHarness, tenant, tenantKey, workflowBundle, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    config: {
      tenants: { acme: tenant('acme', { budget: { dailyUsd: 5 } }) },
      routes: {
        guarded: {
          targets: ['gpt-4o-mini', 'gemini-2.5-flash'],
          fallback: { message: 'Busy.', onExhausted: 'degrade' },
        },
      },
    },
  });
});
afterAll(async () => {
  await harness?.close();
});

test("recorded job histories replay without non-determinism against today's workflow code", async () => {
  const url = harness.api!.url;
  const key = tenantKey('acme');
  const bodies = [
    chatBody('plain call'),
    chatBody('cached call', 'gpt-4o-mini', { temperature: 0 }),
    chatBody('cached call', 'gpt-4o-mini', { temperature: 0 }),
    chatBody('retried [[mock:status=503]] [[mock:fail-times=1]]'),
    chatBody('falls back [[mock:status=400]]', 'guarded'),
    chatBody('degrades [[mock:status=401]]', 'guarded'),
  ];
  const ids: string[] = [];
  for (const body of bodies) {
    const submitted = await api(url, 'POST', '/v1/jobs', { key, body });
    ids.push(submitted.body.id as string);
    await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key });
  }
  // Identical cacheable requests also ran a shared flight workflow: replay that kind too.
  const queue = jobsTaskQueue(harness.config.temporal.taskQueuePrefix);
  const flights = harness.client.workflow.list({ query: `WorkflowType = 'providerFlight' AND TaskQueue = '${queue}'` });
  const workflowIds = [...ids];
  for await (const flight of flights) workflowIds.push(flight.workflowId);
  expect(workflowIds.length).toBeGreaterThan(ids.length);

  const histories = await Promise.all(
    workflowIds.map(async (workflowId) => ({
      workflowId,
      history: await harness.client.workflow.getHandle(workflowId).fetchHistory(),
    })),
  );
  const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories);
  let replayed = 0;
  for await (const result of results) {
    expect(result.error).toBeUndefined();
    replayed += 1;
  }
  expect(replayed).toBe(workflowIds.length);
}, 120_000);
