import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config';
import { jobsTaskQueue } from '../contract/task-queues';
import { DEFAULT_MOCK_PROVIDER_PORT } from '../mock-provider/env-config';
import { startEntry, waitFor } from './child-processes';
import { DEVELOPMENT_API_KEY, developmentKeyProblem } from './exposure';
import { fleetEnv } from './fleet-env';
import { startFleetProxy, type FleetProxy } from './fleet-proxy';
import { loadLaunchConfig } from './launch-config';
import { mockProviderEnv } from './mock-provider-env';
import { SupervisedChild } from './supervisor';
import { workersPoll } from './worker-polling';
import { LaunchRefused, portVar } from './launch-refused';

const STOP_GRACE_MS = { api: 10_000, worker: 30_000, mock: 5_000 } as const;
const REPLICAS = 2;

/** The repository root, found from this file whether it runs from `src/` or `dist/src/`. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'scripts', 'fleet', 'up.sh')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Runs a fleet script, its progress on this terminal; resolves with its stdout. */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot(), 'scripts/fleet', script), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new LaunchRefused(`scripts/fleet/${script} failed (exit ${code}); see above.`)),
    );
  });
}

function outputValue(stdout: string, name: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`${name}=`));
  if (!line) throw new LaunchRefused(`scripts/fleet/up.sh printed no ${name}= line`);
  return line.slice(name.length + 1);
}

/**
 * `npm run fleet`: the scaled-out deployment on this machine. The engines (PostgreSQL, Temporal on PostgreSQL
 * with several history shards, Redis) from scripts/fleet/up.sh; two API and two worker processes on them, with
 * the cache and counters in Redis; the mock provider when no provider key is set; and one address in front of
 * both APIs. A part that dies is restarted; Ctrl-C stops the processes, then the engines (their data is kept;
 * `npm run fleet:down -- --wipe` deletes it).
 */
async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (process.stdout.isTTY && !env.LOG_FORMAT) env.LOG_FORMAT = 'pretty';
  const port = portVar(env, 'PORT', 8080);
  const apiPorts = [portVar(env, 'FLEET_API_PORT_1', port + 1), portVar(env, 'FLEET_API_PORT_2', port + 2)];
  const mockPort = portVar(env, 'MOCK_PROVIDER_PORT', DEFAULT_MOCK_PROVIDER_PORT);

  console.log('Starting the fleet engines (PostgreSQL, Temporal, Redis)…');
  const engines = await runScript('up.sh', [], env);
  const temporalAddress = outputValue(engines, 'TEMPORAL_ADDRESS');
  const redisUrl = outputValue(engines, 'REDIS_URL');
  const namespace = outputValue(engines, 'TEMPORAL_NAMESPACE');
  Object.assign(
    env,
    fleetEnv({
      temporalAddress,
      namespace,
      redisUrl,
      taskQueuePrefix: env.SWITCHYARD_TASK_QUEUE_PREFIX || 'switchyard',
    }),
  );

  const { config, mockUrl } = loadLaunchConfig(env, mockPort);
  const refusal = developmentKeyProblem(config, env);
  if (refusal) throw new LaunchRefused(refusal);
  const hasTenants = Object.keys(config.tenants).length > 0;
  if (!hasTenants) env.SWITCHYARD_API_KEY ??= DEVELOPMENT_API_KEY;

  const parts: SupervisedChild[] = [];
  let proxy: FleetProxy | undefined;
  const say = (line: string) => console.log(`fleet: ${line}`);
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      console.log('\nStopping the fleet…');
      await proxy?.close();
      // APIs first (no new jobs), then the workers once their calls are recorded, then the mock and the engines.
      for (const part of [...parts].reverse()) await part.stop();
      await runScript('down.sh', [], env).catch((err: unknown) => console.error((err as Error).message));
    })());
  let requestStop = () => {};
  const stopSignal = new Promise<void>((resolve) => (requestStop = resolve));
  process.on('SIGINT', () => requestStop());
  process.on('SIGTERM', () => requestStop());

  try {
    if (mockUrl) {
      const mockEnv = { ...env, MOCK_PROVIDER_PORT: String(mockPort) };
      parts.push(new SupervisedChild(() => startEntry('mock', 'mock-provider/main', mockEnv), STOP_GRACE_MS.mock, say));
      Object.assign(env, mockProviderEnv(mockUrl));
    }
    for (let i = 1; i <= REPLICAS; i++) {
      const workerEnv = { ...env };
      parts.push(
        new SupervisedChild(() => startEntry(`worker-${i}`, 'worker/main', workerEnv), STOP_GRACE_MS.worker, say),
      );
    }
    for (const [i, apiPort] of apiPorts.entries()) {
      const apiEnv = { ...env, PORT: String(apiPort), HOST: '127.0.0.1' };
      parts.push(new SupervisedChild(() => startEntry(`api-${i + 1}`, 'api/main', apiEnv), STOP_GRACE_MS.api, say));
    }
    for (const part of parts) part.supervise();
    // The development key is public: the front address answers on this machine only unless HOST opens it up.
    proxy = await startFleetProxy({ host: env.HOST || '127.0.0.1', port, upstreams: apiPorts });
    await waitReady(apiPorts);
    const jobs = { address: temporalAddress, namespace, taskQueue: jobsTaskQueue(config.temporal.taskQueuePrefix) };
    // The pids are read at every check: a worker that crashed while starting is restarted with a new one.
    const workers = parts.filter((part) => part.child.name.startsWith('worker-'));
    await waitFor(
      'the worker processes to poll for jobs',
      () =>
        workersPoll(
          jobs,
          workers.map((worker) => worker.child.process.pid ?? -1),
        ),
      120_000,
    );
    console.log(
      [
        '',
        'The Switchyard fleet is running:',
        `  API            ${proxy.url}   (round-robin over ${apiPorts.map((p) => `:${p}`).join(' and ')})`,
        hasTenants
          ? "  API keys       the tenants' own keys from the config file"
          : `  API key        ${env.SWITCHYARD_API_KEY}`,
        `  Temporal       ${temporalAddress} (PostgreSQL-backed; namespace ${namespace})`,
        `  Redis          ${redisUrl} (cache in db 0, budgets and counters in db 1)`,
        `  Workers        ${REPLICAS} processes`,
        mockUrl ? `  Mock provider  ${mockUrl}   (no provider key configured)` : '',
        '',
        'Ctrl-C stops the fleet (its data stays in FLEET_DIR, default .data/fleet).',
        '',
      ]
        .filter((line, i, lines) => line !== '' || lines[i - 1] !== '')
        .join('\n'),
    );
    await stopSignal;
  } finally {
    await stopAll();
  }
}

/** Resolves once every API answers /readyz (parts are supervised meanwhile, so a crash is retried). */
async function waitReady(ports: number[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ready = await Promise.all(
      ports.map((p) =>
        fetch(`http://127.0.0.1:${p}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    if (ready.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error('the API processes were not ready within 120 s');
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof LaunchRefused;
  console.error(known ? (err as Error).message : `fleet: ${(err as Error).message}`);
  process.exitCode = 1;
});
