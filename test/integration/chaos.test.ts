import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

const JOBS = 500;
const FAULTS = { '500': 0.15, '502': 0.05, '503': 0.1, '429': 0.1, hang: 0.05, malformed: 0.02 };
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    mock: { errorRates: FAULTS, retryAfterSeconds: 1, seed: 7 },
    config: {
      routes: {
        chaos: {
          targets: [
            { target: 'gpt-4o-mini', timeoutMs: 1_500 },
            { target: 'claude-haiku-4-5', timeoutMs: 1_500 },
            { target: 'gemini-2.5-flash', timeoutMs: 1_500 },
          ],
        },
      },
      // At 47 % failed calls every provider is degraded but working: a breaker should not trip on it.
      circuitBreaker: { failureRatio: 0.9, minRequests: 50, consecutiveFailures: 25 },
    },
  });
});
afterAll(async () => {
  await harness?.close();
});

test(`${JOBS} jobs on a 3-target chain through 30 % 5xx, 10 % 429, 5 % hangs and 2 % malformed bodies all end, ≥ 99 % succeed, without a retry storm`, async () => {
  const url = harness.api!.url;
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, JOBS - i) }, (_, j) =>
        api(url, 'POST', '/v1/jobs', { body: chatBody(`chaos job ${i + j}`, 'chaos') }),
      ),
    );
    for (const response of batch) {
      expect(response.status).toBe(202);
      ids.push(response.body.id as string);
    }
  }
  // Every job must reach a terminal state; poll the ones still running until a generous deadline.
  const views = new Map<string, Awaited<ReturnType<typeof api>>>();
  const deadline = Date.now() + 240_000;
  while (views.size < JOBS && Date.now() < deadline) {
    const pending = ids.filter((id) => !views.has(id)).slice(0, 50);
    const answers = await Promise.all(pending.map((id) => api(url, 'GET', `/v1/jobs/${id}?wait=20`)));
    for (const [k, answer] of answers.entries()) {
      if (answer.body.status !== 'running') views.set(pending[k]!, answer);
    }
  }
  expect(JOBS - views.size).toBe(0);
  const statuses = [...views.values()].map((v) => v.body.status as string);
  const succeeded = statuses.filter((s) => s === 'completed').length;
  const stats = harness.mock.stats();
  const calls = stats.total;
  console.log(
    `chaos: ${JOBS} jobs, ${succeeded} completed (${((100 * succeeded) / JOBS).toFixed(1)} %), ` +
      `${calls} provider calls (${(calls / JOBS).toFixed(2)} per job), outcomes ${JSON.stringify(stats.byStatus)}`,
  );
  expect(succeeded / JOBS).toBeGreaterThanOrEqual(0.99);
  for (const view of [...views.values()].filter((v) => v.body.status === 'completed')) {
    expect(view.body.result.completion.choices[0].message.content).toMatch(/chaos job \d+/);
  }
  // With 47 % of calls failing, a job needs 1 / 0.53 ≈ 1.9 calls on average; a retry storm would be far more.
  expect(calls / JOBS).toBeLessThanOrEqual(2.5);
}, 300_000);
