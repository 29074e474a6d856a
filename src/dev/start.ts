import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { CONVENTIONAL_PROVIDERS } from '../config/env';
import { loadConfig, ConfigError } from '../config';
import { startEntry, startProcess, stopChild, waitFor, type Child } from './child-processes';
import { DEFAULT_DEV_API_HOST, DEVELOPMENT_API_KEY, developmentKeyProblem, displayedApiUrl } from './exposure';
import { mockProviderEnv } from './mock-provider-env';

/** Stops the launcher before it starts anything, with a message for the operator. */
class LaunchRefused extends Error {
  override readonly name = 'LaunchRefused';
}

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

/**
 * `npm start`: the Temporal dev server, the mock provider (when no provider key is configured), the
 * worker and the API, in one command. Ctrl-C stops them all, API first so no new job is accepted.
 */
async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const config = loadConfig(env);
  const refusal = developmentKeyProblem(config, env);
  if (refusal) throw new LaunchRefused(refusal);
  // The development key is public: the API answers on this machine only unless HOST / api.host opens it up.
  const apiHost = config.api.host ?? DEFAULT_DEV_API_HOST;
  env.HOST = apiHost;
  const children: Child[] = [];
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Switchyard…');
    for (const child of [...children].reverse()) await stopChild(child);
  };
  process.once('SIGINT', () => void stopAll());
  process.once('SIGTERM', () => void stopAll());

  try {
    const repo = repoRoot();
    const [host = '127.0.0.1', port = '7233'] = config.temporal.address.split(':');
    const temporalPort = Number(port);
    const uiPort = Number(env.TEMPORAL_UI_PORT ?? temporalPort + 1000);
    const local = ['127.0.0.1', 'localhost', '0.0.0.0'].includes(host);
    if (local && !(await temporalAnswers(config.temporal.address).catch(() => false))) {
      const temporal = startProcess('temporal', 'bash', [join(repo, 'scripts/start-temporal.sh'), '--foreground'], {
        ...env,
        TEMPORAL_PORT: String(temporalPort),
        TEMPORAL_UI_PORT: String(uiPort),
        TEMPORAL_NAMESPACE: config.temporal.namespace,
        TEMPORAL_DB_FILE: env.TEMPORAL_DB_FILE ?? join(repo, '.data/temporal.db'),
        TEMPORAL_LOG_FILE: env.TEMPORAL_LOG_FILE ?? join(repo, '.data/temporal.log'),
      });
      children.push(temporal);
      // The first run builds the Temporal CLI from source, which takes a few minutes.
      console.log('Starting the Temporal dev server (the first run builds the Temporal CLI: a few minutes)…');
      await waitFor('the Temporal dev server', () => temporalAnswers(config.temporal.address), 900_000, temporal);
    } else {
      console.log(`Using the Temporal server at ${config.temporal.address}.`);
    }

    let mockUrl: string | null = null;
    if (!CONVENTIONAL_PROVIDERS.some((p) => env[p.keyVar]) && Object.keys(config.providers).length === 0) {
      const mockPort = env.MOCK_PROVIDER_PORT ?? '8090';
      mockUrl = `http://127.0.0.1:${mockPort}`;
      const mock = startEntry('mock', 'mock-provider/main', { ...env, MOCK_PROVIDER_PORT: mockPort });
      children.push(mock);
      await waitFor('the mock provider', () => answers(`${mockUrl}/healthz`), 30_000, mock);
      Object.assign(env, mockProviderEnv(mockUrl));
    }
    env.SWITCHYARD_API_KEY ??= DEVELOPMENT_API_KEY;

    const worker = startEntry('worker', 'worker/main', env);
    children.push(worker);
    const api = startEntry('api', 'api/main', env);
    children.push(api);
    const apiUrl = displayedApiUrl(apiHost, config.api.port);
    await waitFor('the API', () => answers(`${apiUrl}/readyz`), 60_000, api);

    console.log(
      [
        '',
        'Switchyard is running:',
        `  API           ${apiUrl}   (OpenAI-compatible base URL: ${apiUrl}/v1)`,
        `  API key       ${env.SWITCHYARD_API_KEY}${env.SWITCHYARD_API_KEY === DEVELOPMENT_API_KEY ? '   (development key: set SWITCHYARD_API_KEY)' : ''}`,
        `  Temporal UI   http://127.0.0.1:${uiPort}`,
        `  Temporal      ${config.temporal.address}`,
        mockUrl ? `  Mock provider ${mockUrl}   (no provider key configured)` : '',
        '',
        `Try: curl -s ${apiUrl}/v1/chat/completions -H "Authorization: Bearer ${env.SWITCHYARD_API_KEY}" -H "Content-Type: application/json" -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`,
        'Ctrl-C stops everything.',
        '',
      ]
        .filter((line, i, lines) => line !== '' || lines[i - 1] !== '')
        .join('\n'),
    );

    // Any part stopping on its own stops the rest: a half-running gateway would only confuse.
    const first = await Promise.race(children.map((child) => child.exited.then(() => child)));
    if (!stopping) {
      console.error(
        `${first.name} stopped (exit ${first.process.exitCode ?? first.process.signalCode}); stopping the rest.`,
      );
      process.exitCode = 1;
      await stopAll();
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(
    err instanceof ConfigError || err instanceof LaunchRefused ? err.message : `switchyard: ${(err as Error).message}`,
  );
  process.exitCode = 1;
});
