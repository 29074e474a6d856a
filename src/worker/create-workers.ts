import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, ProviderClients } from '../../activities';
import { jobsTaskQueue, providerTaskQueue } from '../../workflows/shared';
import type { Config } from '../config';

export interface CreateWorkersOptions {
  config: Config;
  connection: NativeConnection;
  logger: Logger;
  /** A pre-built workflow bundle (tests build it once); the workflows are bundled from source otherwise. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  env?: NodeJS.ProcessEnv;
}

/**
 * The workers of one process: one for the job workflows, and one per provider task queue for the
 * provider calls, each with the provider's server-enforced rate and local concurrency.
 */
export async function createWorkers(options: CreateWorkersOptions): Promise<Worker[]> {
  const { config, connection, logger } = options;
  const providerIds = Object.keys(config.providers);
  if (providerIds.length === 0) {
    throw new Error(
      'No provider is configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY, or add a "providers" section to the config file (SWITCHYARD_CONFIG).',
    );
  }
  const activities = createActivities({
    clients: new ProviderClients(config.providers, options.env),
    logger: logger.child({ part: 'activities' }),
  });

  const jobsWorker = Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: jobsTaskQueue(config.temporal.taskQueuePrefix),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../../workflows') }),
    maxConcurrentWorkflowTaskExecutions: 40,
    maxCachedWorkflows: 2_000,
  });

  const providerWorkers = providerIds.map((id) => {
    const provider = config.providers[id];
    return Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: providerTaskQueue(config.temporal.taskQueuePrefix, id),
      activities,
      maxConcurrentActivityTaskExecutions: provider?.maxConcurrentCalls ?? 200,
      // Enforced by the server for the whole queue, so the rate holds however many workers poll it.
      ...(provider?.maxCallsPerSecond ? { maxTaskQueueActivitiesPerSecond: provider.maxCallsPerSecond } : {}),
    });
  });

  return Promise.all([jobsWorker, ...providerWorkers]);
}
