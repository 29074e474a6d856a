import { jobsTaskQueue } from '../../src/contract/task-queues';
import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';

let harness: Harness;
let url: string;

// So short that the start's answer regularly arrives after the deadline, while the start itself lands.
const START_DEADLINE_MS = 3;
const SUBMITS = 40;

beforeAll(async () => {
  // No worker: the jobs stay running, and whether each exists is all the test looks at.
  harness = await startHarness({
    api: true,
    worker: false,
    // Every submit starts at once: this is about starts that miss their deadline, not about admission's queue.
    config: { api: { temporalDeadlineMs: START_DEADLINE_MS, admission: { maxConcurrentStarts: SUBMITS } } },
  });
  url = harness.api!.url;
});
afterAll(async () => {
  if (harness) {
    for (const id of await workflowIds()) await harness.client.workflow.getHandle(id).terminate('test over');
  }
  await harness?.close();
});

/** Every workflow on this file's jobs task queue, read until two reads agree (visibility lags a little). */
async function workflowIds(): Promise<Set<string>> {
  const queue = jobsTaskQueue(harness.config.temporal.taskQueuePrefix);
  const read = async () => {
    const ids = new Set<string>();
    for await (const execution of harness.client.workflow.list({ query: `TaskQueue = '${queue}'` })) {
      ids.add(execution.workflowId);
    }
    return ids;
  };
  let previous = await read();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await read();
    if (next.size === previous.size && [...next].every((id) => previous.has(id))) return next;
    previous = next;
  }
}

test('when starts hit their deadline, every job that exists was answered 202 and every 503 left no job behind', async () => {
  const responses: JsonResponse[] = await Promise.all(
    Array.from({ length: SUBMITS }, (_, i) => api(url, 'POST', '/v1/jobs', { body: chatBody(`ghost check ${i}`) })),
  );
  for (const response of responses) {
    expect([202, 503]).toContain(response.status);
    if (response.status === 503) {
      expect(response.body.code).toBe('temporal_unavailable');
      expect(response.headers.get('retry-after')).toBe('5');
    }
  }
  const accepted = new Set(responses.filter((r) => r.status === 202).map((r) => r.body.id as string));
  const existing = await workflowIds();
  expect([...existing].filter((id) => !accepted.has(id))).toEqual([]);
  expect([...accepted].filter((id) => !existing.has(id))).toEqual([]);
  // Starts that landed after their deadline are answered as what they are: accepted jobs.
  expect(accepted.size).toBeGreaterThan(0);
});
