import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { exited, spawnWorker } from '../helpers/worker-process';

const JOBS = 200;
let harness: Harness;
const logDir = mkdtempSync(join(tmpdir(), 'switchyard-durability-'));

beforeAll(async () => {
  // The API runs here; the worker runs as its own process so it can be killed like a crashed pod.
  harness = await startHarness({ api: true, worker: false, mock: { latencyMs: 1_000 } });
});
afterAll(async () => {
  await harness?.close();
});

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(`when the worker is killed with SIGKILL while ${JOBS} jobs are in flight, a new worker completes every one of them`, async () => {
  const url = harness.api!.url;
  const first = spawnWorker(harness.env, join(logDir, 'worker-1.log'));
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, JOBS - i) }, (_, j) =>
        api(url, 'POST', '/v1/jobs', { body: chatBody(`durable job ${i + j}`) }),
      ),
    );
    for (const response of batch) {
      expect(response.status).toBe(202);
      ids.push(response.body.id as string);
    }
  }
  expect(new Set(ids).size).toBe(JOBS);

  // Kill the worker once it is well into the work: calls are in flight at the provider.
  await waitUntil(
    'the first worker to be busy',
    () => (harness.mock.stats().byEndpoint['openai.chat'] ?? 0) >= 50,
    120_000,
  );
  first.kill('SIGKILL');
  await exited(first);
  const callsAtKill = harness.mock.stats().byEndpoint['openai.chat'] ?? 0;
  expect(callsAtKill).toBeLessThan(JOBS);

  const second = spawnWorker(harness.env, join(logDir, 'worker-2.log'));
  try {
    const views = [];
    for (const id of ids) views.push(await api(url, 'GET', `/v1/jobs/${id}?wait=60`));
    const statuses = views.map((v) => v.body.status as string);
    const lost = statuses.filter((s) => s !== 'completed');
    expect(lost).toEqual([]);
    for (const [index, view] of views.entries()) {
      expect(view.body.result.completion.choices[0].message.content).toContain(`durable job ${index}`);
    }
    // Calls cut off by the kill were made again: more provider calls than jobs.
    expect(harness.mock.stats().byEndpoint['openai.chat'] ?? 0).toBeGreaterThan(JOBS);
  } catch (err) {
    console.error(readFileSync(join(logDir, 'worker-2.log'), 'utf8').slice(-4_000));
    throw err;
  } finally {
    second.kill('SIGTERM');
    await exited(second);
  }
}, 300_000);
