import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createJobActivities, createProviderActivities, createReserveAndCall, ProviderClients } from '../../activities';
import { configuredCircuitModels } from '../../activities/circuit-guard';
import { KeyPools } from '../../activities/key-pool';
import { CallJournal } from '../../activities/call-journal';
import { createBulkReplayActivities } from '../../activities/bulk-replay';
import { CallSlots } from '../../activities/call-slots';
import { LocalCallPolicy } from '../../activities/local-call-policy';
import { callsLocally } from '../config/resolve-targets';
import { CancelMarks } from '../stores/cancel-marks';
import { jobsTaskQueue, providerTaskQueue } from '../contract/task-queues';
import { assertClientEncrypts, dataConverterFor } from '../codec/data-converter';
import type { Config } from '../config';
import { storeOptions } from '../config/store-options';
import { openSharedStores, type SharedStores } from '../stores/open-stores';

/** Local activity slots for the store steps (cache, budget, circuits), apart from local provider calls. */
const STORE_STEP_SLOTS = 200;

/** The stores the activities use; the same as every other process's. */
export type WorkerStores = SharedStores;

/** Opens the cache, the budget ledger, the circuits and the key state the activities use. */
export function openWorkerStores(config: Config): Promise<WorkerStores> {
  return openSharedStores(storeOptions(config));
}

export interface CreateWorkersOptions {
  config: Config;
  connection: NativeConnection;
  /** Starts and joins coalescing flights. */
  client: Client;
  stores: Omit<WorkerStores, 'close'>;
  logger: Logger;
  /** A pre-built workflow bundle (tests build it once); the workflows are bundled from source otherwise. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  env?: NodeJS.ProcessEnv;
  /** How long a stopping worker lets in-flight provider calls finish before cancelling them (default: none). */
  providerShutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

/**
 * The workers of one process: one for the job workflows (with the cache, budget and flight activities),
 * and one per provider task queue for the provider calls, each with the provider's server-enforced rate
 * and local concurrency.
 */
export async function createWorkers(options: CreateWorkersOptions): Promise<Worker[]> {
  const { config, connection, logger } = options;
  const providerIds = Object.keys(config.providers);
  if (providerIds.length === 0) {
    throw new Error(
      'No provider is configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY, or add a "providers" section to the config file (SWITCHYARD_CONFIG).',
    );
  }
  // Flights started through the client must be encrypted like everything the workers write.
  assertClientEncrypts(options.client, config);
  const dataConverter = dataConverterFor(config);
  const jobsQueue = jobsTaskQueue(config.temporal.taskQueuePrefix);
  const clients = new ProviderClients(config.providers, options.env, {
    defaultMaxTokens: config.budgets.defaultMaxTokens,
  });
  const activityLogger = logger.child({ part: 'activities' });
  const circuitModels = configuredCircuitModels(config.models);
  const localCalls = new LocalCallPolicy();
  const jobActivities = createJobActivities({
    localCalls,
    logger: activityLogger,
    cache: options.stores.cache,
    ledger: options.stores.ledger,
    circuits: options.stores.circuits,
    circuitModels,
    client: options.client,
    jobsTaskQueue: jobsQueue,
  });
  // Providers without a server-enforced rate are called as local activities of the job workflows.
  const localLimits = Object.fromEntries(
    Object.entries(config.providers)
      .filter(([, provider]) => callsLocally(provider))
      .map(([id, provider]) => [id, provider.maxConcurrentCalls]),
  );
  const localCallSlots = Object.values(localLimits).reduce((sum, limit) => sum + limit, 0);
  const providerActivities = createProviderActivities({
    local: {
      slots: new CallSlots(localLimits),
      cancelMarks: new CancelMarks(options.stores.cancellations),
      policy: localCalls,
      commitBudget: (input) => jobActivities.commitBudget(input),
    },
    clients,
    keyPools: new KeyPools(clients, {
      store: options.stores.keyState,
      logger: activityLogger,
      defaultMaxTokens: config.budgets.defaultMaxTokens,
    }),
    logger: activityLogger,
    requests: options.stores.requests,
    streams: options.stores.streams,
    logPayloads: config.logging.payloads,
    journal: new CallJournal(options.stores.calls, activityLogger),
    embeddingJournal: new CallJournal(options.stores.embeddingCalls, activityLogger),
    embeddings: options.stores.embeddings,
    batches: {
      journal: new CallJournal(options.stores.batchCalls, activityLogger),
      batchItems: options.stores.batchItems,
      files: options.stores.files,
      cache: options.stores.cache,
    },
    circuits: options.stores.circuits,
    circuitModels,
  });

  const jobsWorker = Worker.create({
    connection,
    namespace: config.temporal.namespace,
    dataConverter,
    taskQueue: jobsQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../../workflows') }),
    activities: {
      ...jobActivities,
      ...providerActivities,
      ...createBulkReplayActivities({ client: options.client, config, requests: options.stores.requests }),
      reserveAndCall: createReserveAndCall({
        reserveAndAdmit: (input) => jobActivities.reserveAndAdmit(input),
        callProvider: (input) => providerActivities.callProvider(input),
      }),
    },
    maxConcurrentWorkflowTaskExecutions: 40,
    // Store steps, plus every local provider call its provider's `maxConcurrentCalls` allows.
    maxConcurrentLocalActivityExecutions: STORE_STEP_SLOTS + localCallSlots,
    // Most jobs end within one or two workflow tasks; a job evicted while it waits on a slow call is replayed
    // from its short history when the call ends. Bounds the worker's memory with many jobs in flight: with
    // 1,000 slow jobs the worker peaked at 286 MB caching 500 of them and at 240 MB caching 250
    // (`BENCH_ONLY=memory npm run bench`).
    maxCachedWorkflows: 250,
    // Jobs waiting on a shared flight each hold an activity slot while they wait.
    maxConcurrentActivityTaskExecutions: 1_000,
  });

  const providerWorkers = providerIds.map((id) => {
    const provider = config.providers[id];
    return Worker.create({
      connection,
      namespace: config.temporal.namespace,
      dataConverter,
      taskQueue: providerTaskQueue(config.temporal.taskQueuePrefix, id),
      activities: providerActivities,
      maxConcurrentActivityTaskExecutions: provider?.maxConcurrentCalls ?? 200,
      ...(options.providerShutdownGraceTime ? { shutdownGraceTime: options.providerShutdownGraceTime } : {}),
      // Enforced by the server for the whole queue, so the rate holds however many workers poll it.
      ...(provider?.maxCallsPerSecond ? { maxTaskQueueActivitiesPerSecond: provider.maxCallsPerSecond } : {}),
    });
  });

  return Promise.all([jobsWorker, ...providerWorkers]);
}
