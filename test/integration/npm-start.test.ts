import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort } from '../helpers/free-port';
import { api } from '../helpers/http';
import { exited } from '../helpers/worker-process';

const REPO = resolve(__dirname, '../..');

test('the launcher brings up Temporal, the mock provider, the worker and the API, and Ctrl-C stops them all', async () => {
  const [port, temporalPort, uiPort, mockPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-start-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  Object.assign(env, {
    PORT: String(port),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_UI_PORT: String(uiPort),
    TEMPORAL_DB_FILE: join(dataDir, 'temporal.db'),
    TEMPORAL_LOG_FILE: join(dataDir, 'temporal.log'),
    MOCK_PROVIDER_PORT: String(mockPort),
    CACHE_URL: `sqlite://${join(dataDir, 'cache.sqlite')}`,
    COUNTERS_URL: `sqlite://${join(dataDir, 'counters.sqlite')}`,
    LOG_LEVEL: 'warn',
  });
  const launcher = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/dev/start.ts')], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  try {
    const deadline = Date.now() + 120_000;
    while (!output.includes('Switchyard is running')) {
      if (launcher.exitCode !== null || Date.now() > deadline) throw new Error(`launcher did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(output).toContain(`http://127.0.0.1:${uiPort}`);
    expect(output).toContain(`Mock provider http://127.0.0.1:${mockPort}`);
    expect(output).toContain('sk-switchyard-dev');
    // "Running" means a job submitted now is picked up: the worker is already polling for jobs.
    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    try {
      const queue = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: 'switchyard-jobs' },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      expect(queue.pollers?.length ?? 0).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
    // The development key is public, so the API answers on this machine's loopback interface only.
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && !address.internal && address.family === 'IPv4');
    if (outside) await expect(fetch(`http://${outside.address}:${port}/healthz`)).rejects.toThrow();

    const url = `http://127.0.0.1:${port}`;
    const submitted = await api(url, 'POST', '/v1/jobs', {
      key: 'sk-switchyard-dev',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello from npm start' }] },
    });
    expect(submitted.status).toBe(202);
    const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key: 'sk-switchyard-dev' });
    expect(done.body.status).toBe('completed');
    expect(done.body.result.completion.choices[0].message.content).toContain('Hello from npm start');

    // The Web UI serves the job from its own API, so it is what an operator sees there.
    const ui = await fetch(`http://127.0.0.1:${uiPort}/api/v1/namespaces/default/workflows/${submitted.body.id}`);
    expect(ui.status).toBe(200);
    const described = (await ui.json()) as { workflowExecutionInfo?: { type?: { name?: string } } };
    expect(described.workflowExecutionInfo?.type?.name).toBe('aiJob');
  } finally {
    launcher.kill('SIGINT');
    await exited(launcher);
  }
  expect(output).toContain('Stopping Switchyard');
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  await expect(fetch(`http://127.0.0.1:${uiPort}/`)).rejects.toThrow();
}, 180_000);
