import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port';
import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { exited, spawnWorker } from '../helpers/worker-process';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ api: true, worker: false });
});
afterAll(async () => {
  await harness?.close();
});

test("the worker serves the Temporal SDK's Prometheus metrics when WORKER_METRICS_ADDRESS is set", async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const worker = spawnWorker(
    { ...harness.env, WORKER_METRICS_ADDRESS: address },
    join(mkdtempSync(join(tmpdir(), 'switchyard-worker-metrics-')), 'worker.log'),
  );
  try {
    const submitted = await api(harness.api!.url, 'POST', '/v1/jobs', { body: chatBody('measure me') });
    const done = await api(harness.api!.url, 'GET', `/v1/jobs/${submitted.body.id}?wait=60`);
    expect(done.body.status).toBe('completed');
    const text = await (await fetch(`http://${address}/metrics`)).text();
    expect(text).toMatch(/temporal_workflow_completed_total\{[^}]*workflow_type="aiJob"[^}]*\} 1/);
    // The call ran as a local activity of the job, in the step that reserved its budget (the mock answers fast;
    // see README, Local provider calls).
    expect(text).toMatch(
      /temporal_local_activity_execution_latency_milliseconds_bucket\{[^}]*activity_type="reserveAndCall"/,
    );
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
  }
}, 90_000);
