import { WorkflowNotFoundError } from '@temporalio/client';
import { costOf } from '../../src/contract/cost';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    config: { tenants: { acme: tenant('acme', { budget: { dailyUsd: 50 } }) } },
  });
});
afterAll(async () => {
  await harness?.close();
});

/** What Temporal does to a closed workflow once its namespace's retention has passed. */
async function dropFromRetention(workflowId: string): Promise<void> {
  await harness.client.workflowService.deleteWorkflowExecution({
    namespace: harness.config.temporal.namespace,
    workflowExecution: { workflowId },
  });
  // Deletion runs in the background on the server; a busy machine may take a minute.
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await harness.client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      throw err;
    }
    if (Date.now() > deadline) throw new Error(`${workflowId} was not deleted`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('an Idempotency-Key reused after its job left retention starts a job that is charged like any other', async () => {
  const url = harness.api!.url;
  const key = tenantKey('acme');
  const body = chatBody('the same key, weeks apart');
  const headers = { 'idempotency-key': 'order-retention-1' };
  const spend = async () => (await api(url, 'GET', '/v1/spend', { key })).body.daily.committedUsd as number;
  const price = { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 };

  const first = await api(url, 'POST', '/v1/jobs', { key, body, headers });
  const firstDone = await api(url, 'GET', `/v1/jobs/${first.body.id}?wait=30`, { key });
  expect(firstDone.body.status).toBe('completed');
  const firstCost = costOf(firstDone.body.result.completion.usage, price) ?? -1;
  expect(await spend()).toBeCloseTo(firstCost, 9);

  await dropFromRetention(first.body.id);
  const second = await api(url, 'POST', '/v1/jobs', { key, body, headers });
  expect(second.status).toBe(202);
  expect(second.body.id).toBe(first.body.id);
  const secondDone = await api(url, 'GET', `/v1/jobs/${second.body.id}?wait=30`, { key });
  expect(secondDone.body.status).toBe('completed');
  expect(secondDone.body.result.costUsd).toBeGreaterThan(0);

  // Before, the second run found the first run's committed reservation and was never charged.
  const secondCost = costOf(secondDone.body.result.completion.usage, price) ?? -1;
  expect(await spend()).toBeCloseTo(firstCost + secondCost, 9);
}, 180_000);
