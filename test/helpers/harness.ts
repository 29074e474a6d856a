import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { connectClosable } from './closable-connection';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { startApi, type RunningApi } from '../../src/api/server';
import { dataConverterFor } from '../../src/codec/data-converter';
import { hashApiKey, loadConfig, type Config } from '../../src/config';
import { startMockProvider, type MockBehavior, type MockProviderHandle } from '../../src/mock-provider';
import { createLogger } from '../../src/telemetry/logger';
import { mockProviderEnv } from '../../src/dev/mock-provider-env';
import { workflowBundle } from './workflow-bundle';
import { startDevServer, type DevServer } from './dev-server';
import { createWorkers, openWorkerStores, type WorkerStores } from '../../src/worker/create-workers';

export const TEST_API_KEY = 'sk-switchyard-test';

export interface HarnessOptions {
  /** Start the provider workers and the workflow worker in this process (default true). */
  worker?: boolean;
  /** Serve the API over HTTP on a free port (default false). */
  api?: boolean;
  mock?: Partial<MockBehavior>;
  /** Extra environment for the config (e.g. CACHE_URL). */
  env?: Record<string, string>;
  /** A config file's contents (tenants, models, routes…), written to a temp file for SWITCHYARD_CONFIG. */
  config?: Record<string, unknown>;
  /** SWITCHYARD_PAYLOAD_KEYS (`id:base64,…`): the client, workers and API encrypt payloads (default: none). */
  payloadKeys?: string;
  /**
   * Run on a Temporal dev server of this file's own (in memory, free ports) instead of the shared one, so a test
   * can open its Web UI at `uiPort`: the shared server's UI port is known only to the jest global setup.
   * @default false
   */
  ownDevServer?: boolean;
}

/** The API key of test tenant `id` (see `tenant()`). */
export function tenantKey(id: string): string {
  return `sk-test-${id}`;
}

/** A tenant config entry whose key is `tenantKey(id)`, with the given extra settings. */
export function tenant(id: string, settings: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiKeys: [hashApiKey(tenantKey(id))], ...settings };
}

/** Writes a config file and returns the environment entry pointing at it. */
export function configFileEnv(contents: Record<string, unknown>): Record<string, string> {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'switchyard.json');
  writeFileSync(path, JSON.stringify(contents));
  return { SWITCHYARD_CONFIG: path };
}

export interface Harness {
  config: Config;
  env: Record<string, string>;
  client: Client;
  mock: MockProviderHandle;
  api?: RunningApi;
  workers: Worker[];
  /** The Temporal Web UI's port (`http://127.0.0.1:<uiPort>`), with `ownDevServer`; otherwise undefined. */
  uiPort: number | undefined;
  close(): Promise<void>;
}

export { workflowBundle };

/** Environment pointing every provider at the mock and isolating this file's task queues and stores. */
export function harnessEnv(mockUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: the jest global setup starts the dev server');
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  return {
    CACHE_URL: `sqlite://${join(dataDir, 'cache.sqlite')}`,
    COUNTERS_URL: `sqlite://${join(dataDir, 'counters.sqlite')}`,
    TEMPORAL_ADDRESS: address,
    SWITCHYARD_TASK_QUEUE_PREFIX: `test-${randomBytes(4).toString('hex')}`,
    SWITCHYARD_API_KEY: TEST_API_KEY,
    ...mockProviderEnv(mockUrl),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...extra,
  };
}

/** Keeps the SDK's own logs to warnings; once per test file (each file has its own module registry). */
function quietTemporalRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger((process.env.TEMPORAL_SDK_LOG_LEVEL as 'INFO' | 'WARN' | undefined) ?? 'ERROR'),
    });
  } catch {
    // Already installed in this process.
  }
}

/** Real parts for a test file: the shared dev server (or its own), a mock provider, workers and (optionally) the API. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  quietTemporalRuntime();
  const devServer: DevServer | undefined = options.ownDevServer ? await startDevServer() : undefined;
  const mock = await startMockProvider({ port: 0, ...options.mock });
  const env = harnessEnv(mock.url, {
    ...(options.config ? configFileEnv(options.config) : {}),
    ...(options.payloadKeys ? { SWITCHYARD_PAYLOAD_KEYS: options.payloadKeys } : {}),
    ...(devServer ? { TEMPORAL_ADDRESS: devServer.address } : {}),
    ...options.env,
  });
  const config = loadConfig(env);
  const logger = createLogger('test', env.LOG_LEVEL);
  const connection = await connectClosable(config.temporal.address);
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFor(config),
  });

  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let workerConnection: NativeConnection | undefined;
  let stores: WorkerStores | undefined;
  if (options.worker !== false) {
    workerConnection = await NativeConnection.connect({ address: config.temporal.address });
    stores = await openWorkerStores(config);
    workers = await createWorkers({
      config,
      connection: workerConnection,
      client,
      stores,
      logger,
      workflowBundle: await workflowBundle(),
      env,
    });
    running = Promise.all(workers.map((w) => w.run()));
  }
  const api = options.api ? await startApi({ client, config, logger }, 0, '127.0.0.1') : undefined;

  return {
    config,
    env,
    client,
    mock,
    api,
    workers,
    uiPort: devServer?.uiPort,
    async close() {
      await api?.close();
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await workerConnection?.close();
      await stores?.close();
      await connection.close();
      await mock.close();
      await devServer?.stop();
    },
  };
}

/** A chat request body for the mock; `text` may carry `[[mock:…]]` directives. */
export function chatBody(text: string, model = 'gpt-4o-mini', extra: Record<string, unknown> = {}) {
  return { model, messages: [{ role: 'user' as const, content: text }], ...extra };
}
