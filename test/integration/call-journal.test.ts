import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOf } from '../../src/contract/cost';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { exited, spawnWorker } from '../helpers/worker-process';

let harness: Harness;
const logDir = mkdtempSync(join(tmpdir(), 'switchyard-journal-'));

beforeAll(async () => {
  // The API runs here; workers run as their own processes, so one can be cut off from Temporal and killed.
  harness = await startHarness({
    api: true,
    worker: false,
    config: { tenants: { acme: tenant('acme', { budget: { dailyUsd: 10 } }) } },
  });
});
afterAll(async () => {
  await harness?.close();
});

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a worker that dies after the provider answered, before Temporal heard of it, does not make the retry pay again', async () => {
  const url = harness.api!.url;
  const key = tenantKey('acme');
  const proxy = await startTcpProxy(harness.env.TEMPORAL_ADDRESS!);
  const doomed = spawnWorker({ ...harness.env, TEMPORAL_ADDRESS: proxy.address }, join(logDir, 'doomed.log'));
  const answered = () => harness.mock.stats().byStatus['200'] ?? 0;
  const received = () => harness.mock.stats().byEndpoint['openai.chat'] ?? 0;
  try {
    const submitted = await api(url, 'POST', '/v1/jobs', {
      key,
      body: chatBody('answered into the void [[mock:latency=1500]]'),
    });
    expect(submitted.status).toBe(202);
    await until('the provider to receive the call', () => received() === 1);
    // Partition the worker from Temporal while the provider is still working: its answer cannot be reported.
    proxy.cut();
    await until('the provider to answer', () => answered() === 1);
    await new Promise((r) => setTimeout(r, 1_000));
    doomed.kill('SIGKILL');
    await exited(doomed);

    const rescuer = spawnWorker(harness.env, join(logDir, 'rescuer.log'));
    try {
      const job = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=60`, { key });
      expect(job.body.status).toBe('completed');
      // The retry (after the heartbeat timeout) found the answer the dead worker had received.
      expect(received()).toBe(1);
      expect(answered()).toBe(1);
      const spend = await api(url, 'GET', '/v1/spend', { key });
      const cost = costOf(job.body.result.completion.usage, { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 }) ?? -1;
      expect(spend.body.daily.committedUsd).toBeCloseTo(cost, 9);
    } finally {
      rescuer.kill('SIGTERM');
      await exited(rescuer);
    }
  } finally {
    doomed.kill('SIGKILL');
    await proxy.close();
  }
}, 120_000);
