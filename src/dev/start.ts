import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { ConfigError } from '../config';
import { jobsTaskQueue } from '../contract/task-queues';
import { DEFAULT_MOCK_PROVIDER_PORT } from '../mock-provider/env-config';
import { ChildFailed, hasExited, signalGroup, startEntry, startProcess } from './child-processes';
import { DEFAULT_DEV_API_HOST, DEVELOPMENT_API_KEY, developmentKeyProblem, displayedApiUrl } from './exposure';
import { loadLaunchConfig } from './launch-config';
import { mockProviderEnv } from './mock-provider-env';
import { takenPortProblem, type PortClaim } from './ports';
import { SupervisedChild } from './supervisor';
import { workersPoll } from './worker-polling';
import { LaunchRefused, portVar } from './launch-refused';

/** A stop signal arrived while the launcher was still starting the parts. */
class LaunchInterrupted extends Error {
  override readonly name = 'LaunchInterrupted';
}

/** How long each part may take to finish its work when stopped, before it is killed. */
const STOP_GRACE_MS = {
  api: 10_000,
  // In-flight provider calls finish (and are recorded) rather than being cut off mid-answer.
  worker: 30_000,
  mock: 5_000,
  temporal: 10_000,
} as const;

/** The repository root, found from this file whether it runs from `src/` or `dist/src/`. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'scripts', 'start-temporal.sh')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  return response.ok;
}

function lastLines(file: string, count: number): string[] {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count);
  } catch {
    return [];
  }
}

/**
 * `npm start`: the Temporal dev server, the mock provider (when no provider is configured), the worker and
 * the API, in one command. Each part that dies is restarted; Ctrl-C or SIGTERM stops them in order — the API
 * first so no new job is accepted, then the worker once its in-flight calls are done, then the mock and
 * Temporal.
 */
async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The children write to pipes, not to this terminal: ask them for readable lines when the console is one.
  if (process.stdout.isTTY && !env.LOG_FORMAT) env.LOG_FORMAT = 'pretty';
  const mockPort = portVar(env, 'MOCK_PROVIDER_PORT', DEFAULT_MOCK_PROVIDER_PORT);
  const { config, mockUrl } = loadLaunchConfig(env, mockPort);
  const refusal = developmentKeyProblem(config, env);
  if (refusal) throw new LaunchRefused(refusal);
  const hasTenants = Object.keys(config.tenants).length > 0;
  // The development key is public: the API answers on this machine only unless HOST / api.host opens it up.
  const apiHost = config.api.host ?? DEFAULT_DEV_API_HOST;
  env.HOST = apiHost;

  const address = config.temporal.address;
  const separator = address.lastIndexOf(':');
  const temporalHost = separator > 0 ? address.slice(0, separator) : address;
  const temporalPort = separator > 0 ? Number(address.slice(separator + 1)) : 7233;
  const uiPort = portVar(env, 'TEMPORAL_UI_PORT', temporalPort + 1000);
  const local = ['127.0.0.1', 'localhost', '0.0.0.0'].includes(temporalHost);
  const runsTemporal = local && !(await temporalAnswers(address).catch(() => false));

  const claims: PortClaim[] = [
    { what: 'the API', host: apiHost, port: config.api.port, setBy: 'PORT (or api.port in the config file)' },
  ];
  if (mockUrl) {
    claims.push({ what: 'the mock provider', host: '127.0.0.1', port: mockPort, setBy: 'MOCK_PROVIDER_PORT' });
  }
  if (runsTemporal) {
    claims.push(
      { what: 'the Temporal dev server', host: '127.0.0.1', port: temporalPort, setBy: 'TEMPORAL_ADDRESS' },
      { what: 'the Temporal Web UI', host: '127.0.0.1', port: uiPort, setBy: 'TEMPORAL_UI_PORT' },
    );
  }
  const taken = await takenPortProblem(claims);
  if (taken) throw new LaunchRefused(taken);
  if (!local) await requireRemoteTemporal(address);

  const parts: SupervisedChild[] = [];
  const say = (line: string) => console.log(`switchyard: ${line}`);
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      console.log('\nStopping Switchyard…');
      for (const part of [...parts].reverse()) await part.stop();
    })());
  let stopRequested = false;
  let requestStop = () => {};
  const stopSignal = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = () => {
    if (stopRequested) {
      // A second Ctrl-C: the operator does not want to wait for the worker to drain.
      console.log('Killing every part now.');
      for (const part of parts) signalGroup(part.child, 'SIGKILL');
      return;
    }
    stopRequested = true;
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // When whatever ran the launcher (npm, a shell, a process manager) is killed outright, the launcher is
  // handed to another parent: it then stops too, rather than leaving the parts running unattended.
  const parent = process.ppid;
  const orphanWatch = setInterval(() => {
    if (process.ppid !== parent && !stopRequested) {
      console.log('The process that started npm start has gone.');
      onSignal();
    }
  }, 1_000);
  orphanWatch.unref();

  /** Waits for `check`, failing at once (with the part's last output) when any part exits meanwhile. */
  const ready = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (stopRequested) throw new LaunchInterrupted();
      const failed = parts.map((part) => part.child).find(hasExited);
      if (failed) throw new ChildFailed(failed, what);
      // The part must still be alive after answering: an answer from some other process does not count.
      if ((await check().catch(() => false)) && !parts.some((part) => hasExited(part.child))) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const temporalLog = env.TEMPORAL_LOG_FILE ?? join(repoRoot(), '.data/temporal.log');
  try {
    if (runsTemporal) {
      const repo = repoRoot();
      const temporalEnv = {
        ...env,
        TEMPORAL_PORT: String(temporalPort),
        TEMPORAL_UI_PORT: String(uiPort),
        TEMPORAL_NAMESPACE: config.temporal.namespace,
        // Kept on disk, so jobs survive a restart of the dev server.
        TEMPORAL_DB_FILE: env.TEMPORAL_DB_FILE ?? join(repo, '.data/temporal.db'),
        TEMPORAL_LOG_FILE: temporalLog,
      };
      const script = join(repo, 'scripts/start-temporal.sh');
      parts.push(
        new SupervisedChild(
          () => startProcess('temporal', 'bash', [script, '--foreground'], temporalEnv),
          STOP_GRACE_MS.temporal,
          say,
        ),
      );
      // scripts/install-temporal.sh says so itself when it has to build the CLI first.
      console.log('Starting the Temporal dev server…');
      await ready('the Temporal dev server answered', () => temporalAnswers(address), 900_000);
    } else {
      console.log(`Using the Temporal server at ${address}.`);
    }

    if (mockUrl) {
      const mockEnv = { ...env, MOCK_PROVIDER_PORT: String(mockPort) };
      parts.push(new SupervisedChild(() => startEntry('mock', 'mock-provider/main', mockEnv), STOP_GRACE_MS.mock, say));
      await ready('the mock provider answered', () => answers(`${mockUrl}/healthz`), 30_000);
      Object.assign(env, mockProviderEnv(mockUrl));
    }
    // With tenants in the config file, their own keys apply and the development key would not be accepted.
    if (!hasTenants) env.SWITCHYARD_API_KEY ??= DEVELOPMENT_API_KEY;

    const workerEnv = { ...env };
    const worker = new SupervisedChild(() => startEntry('worker', 'worker/main', workerEnv), STOP_GRACE_MS.worker, say);
    parts.push(worker);
    const apiEnv = { ...env };
    parts.push(new SupervisedChild(() => startEntry('api', 'api/main', apiEnv), STOP_GRACE_MS.api, say));
    const apiUrl = displayedApiUrl(apiHost, config.api.port);
    await ready('the API was ready', () => answers(`${apiUrl}/readyz`), 60_000);
    const jobs = {
      address,
      namespace: config.temporal.namespace,
      taskQueue: jobsTaskQueue(config.temporal.taskQueuePrefix),
    };
    await ready('the worker polled for jobs', () => workersPoll(jobs, [worker.child.process.pid ?? -1]), 180_000);

    console.log(
      banner({ apiUrl, uiPort, address, mockUrl, apiKey: hasTenants ? null : (env.SWITCHYARD_API_KEY ?? null) }),
    );
    for (const part of parts) part.supervise();
    await stopSignal;
    await stopAll();
  } catch (err) {
    if (err instanceof ChildFailed && err.child.name === 'temporal') {
      const tail = lastLines(temporalLog, 10);
      if (tail.length > 0)
        err.message += `\nThe last lines of ${temporalLog}:\n${tail.map((l) => `  ${l}`).join('\n')}`;
    }
    await stopAll();
    if (err instanceof LaunchInterrupted) return;
    throw err;
  } finally {
    clearInterval(orphanWatch);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Fails within seconds, naming the address and the setting, when a Temporal server elsewhere does not answer. */
async function requireRemoteTemporal(address: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    try {
      if (await temporalAnswers(address)) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new LaunchRefused(
    `The Temporal server at ${address} does not answer (${lastError}). Start it, or fix TEMPORAL_ADDRESS ` +
      '(or temporal.address in the config file); with a local address such as 127.0.0.1:7233, npm start runs ' +
      'a Temporal dev server itself.',
  );
}

interface BannerInput {
  apiUrl: string;
  uiPort: number;
  address: string;
  mockUrl: string | null;
  /** The key clients send, or null when the config file's tenants bring their own. */
  apiKey: string | null;
}

/** What the operator sees once everything answers: where each part is and how to try it. */
function banner({ apiUrl, uiPort, address, mockUrl, apiKey }: BannerInput): string {
  const keyNote = apiKey === DEVELOPMENT_API_KEY ? '   (development key: set SWITCHYARD_API_KEY)' : '';
  return [
    '',
    'Switchyard is running:',
    `  API           ${apiUrl}   (OpenAI-compatible base URL: ${apiUrl}/v1)`,
    apiKey ? `  API key       ${apiKey}${keyNote}` : "  API keys      the tenants' own keys from the config file",
    `  Temporal UI   http://127.0.0.1:${uiPort}`,
    `  Temporal      ${address}`,
    mockUrl ? `  Mock provider ${mockUrl}   (no provider key configured)` : '',
    '',
    apiKey
      ? `Try: curl -s ${apiUrl}/v1/chat/completions -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`
      : '',
    'A part that stops on its own is restarted. Ctrl-C stops everything.',
    '',
  ]
    .filter((line, i, lines) => line !== '' || lines[i - 1] !== '')
    .join('\n');
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof LaunchRefused || err instanceof ChildFailed;
  console.error(known ? (err as Error).message : `switchyard: ${(err as Error).message}`);
  process.exitCode = 1;
});
