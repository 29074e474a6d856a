import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { dataConverterFor } from '../codec/data-converter';
import { ConfigError, loadConfig } from '../config';
import { applyHeapGrowth } from '../runtime/heap-growth';
import { createLogger } from '../telemetry/logger';
import { installTemporalRuntime } from '../telemetry/temporal-runtime';
import { createWorkers, openWorkerStores } from './create-workers';
import { registerSearchAttributes, registrationRequested } from './register-search-attributes';
import { prebuiltWorkflowBundle } from './workflow-bundle';

/** Worker process: runs until SIGINT/SIGTERM, then lets in-flight tasks finish before exiting. */
async function main(): Promise<void> {
  applyHeapGrowth();
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  const register = registrationRequested();
  // The SDK's runtime must be installed before the first connection.
  installTemporalRuntime(logger, config.workerMetricsAddress ?? undefined);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  // Opt-in, for clusters nobody set up by hand: the workflows upsert these attributes from their first task.
  if (register) {
    const registration = await registerSearchAttributes(clientConnection, config.temporal.namespace);
    logger.info(
      { namespace: config.temporal.namespace, ...registration },
      'namespace and search attributes registered',
    );
  }
  const stores = await openWorkerStores(config);
  try {
    const client = new Client({
      connection: clientConnection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFor(config),
    });
    // A stop lets calls already paid for finish and be recorded instead of cutting them off mid-answer.
    const workers = await createWorkers({
      config,
      connection,
      client,
      stores,
      logger,
      providerShutdownGraceTime: '20s',
      workflowBundle: prebuiltWorkflowBundle(),
    });
    logger.info(
      {
        temporal: config.temporal.address,
        namespace: config.temporal.namespace,
        taskQueues: workers.map((w) => w.options.taskQueue),
      },
      'worker started',
    );
    // The SDK's runtime shuts every worker down on SIGINT/SIGTERM; run() resolves once they have drained.
    await Promise.all(workers.map((worker) => worker.run()));
    logger.info('worker stopped');
  } finally {
    await stores.close();
    await clientConnection.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('worker failed:', err);
  }
  process.exitCode = 1;
});
