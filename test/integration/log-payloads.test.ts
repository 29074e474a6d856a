import { randomBytes } from 'node:crypto';
import { Client, type Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { startApi, type RunningApi } from '../../src/api/server';
import { dataConverterFor } from '../../src/codec/data-converter';
import { ConfigError, loadConfig } from '../../src/config';
import { startMockProvider, type MockProviderHandle } from '../../src/mock-provider';
import { createLogger } from '../../src/telemetry/logger';
import { createWorkers, openWorkerStores, type WorkerStores } from '../../src/worker/create-workers';
import { configFileEnv, harnessEnv, workflowBundle } from '../helpers/harness';
import { connectClosable } from '../helpers/closable-connection';
import { api } from '../helpers/http';
import { MemoryLog } from '../helpers/memory-log';

describe('the payload logging setting', () => {
  test('is off by default, on with LOG_PAYLOADS=true or logging.payloads, and names the variable when invalid', () => {
    const env = { SWITCHYARD_API_KEY: 'sk-x', OPENAI_API_KEY: 'sk-y' };

    expect(loadConfig(env).logging.payloads).toBe(false);
    expect(loadConfig({ ...env, LOG_PAYLOADS: 'true' }).logging.payloads).toBe(true);
    expect(loadConfig({ ...env, ...configFileEnv({ logging: { payloads: true } }) }).logging.payloads).toBe(true);
    expect(
      loadConfig({ ...env, LOG_PAYLOADS: 'false', ...configFileEnv({ logging: { payloads: true } }) }).logging,
    ).toEqual({ payloads: false });
    expect(() => loadConfig({ ...env, LOG_PAYLOADS: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, LOG_PAYLOADS: 'yes' })).toThrow(/LOG_PAYLOADS/);
  });
});

describe('with payload logging on', () => {
  let mock: MockProviderHandle;
  let connection: Connection;
  let workerConnection: NativeConnection;
  let stores: WorkerStores;
  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let served: RunningApi;
  const out = new MemoryLog();

  beforeAll(async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // Already installed in this process.
    }
    mock = await startMockProvider({ port: 0 });
    const env = harnessEnv(mock.url, configFileEnv({ logging: { payloads: true } }));
    const config = loadConfig(env);
    connection = await connectClosable(config.temporal.address);
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFor(config),
    });
    workerConnection = await NativeConnection.connect({ address: config.temporal.address });
    stores = await openWorkerStores(config);
    workers = await createWorkers({
      config,
      connection: workerConnection,
      client,
      stores,
      logger: createLogger('worker', 'info', { format: 'json', destination: out }),
      workflowBundle: await workflowBundle(),
      env,
    });
    running = Promise.all(workers.map((worker) => worker.run()));
    served = await startApi({ client, config, logger: createLogger('api', 'silent') }, 0, '127.0.0.1');
  }, 60_000);

  afterAll(async () => {
    await served?.close();
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await workerConnection?.close();
    await stores?.close();
    await connection?.close();
    await mock?.close();
  });

  test("the provider call's line carries the request messages and the completion text", async () => {
    const prompt = `summarise ${randomBytes(6).toString('hex')}`;
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: prompt },
    ];

    const answered = await api(served.url, 'POST', '/v1/chat/completions', {
      body: { model: 'gpt-4o-mini', messages },
    });

    expect(answered.status).toBe(200);
    const jobId = answered.headers.get('x-switchyard-job-id');
    const line = await out.lineMatching((text) => text.includes('"provider call"') && text.includes(`"${jobId}"`));
    const record = JSON.parse(line) as Record<string, unknown>;
    expect(record).toMatchObject({
      status: 'ok',
      jobId,
      messages,
      completion: answered.body.choices[0].message.content,
    });
  });
});
