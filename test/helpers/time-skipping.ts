import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { JobActivities, ProviderActivities, StoreSteps } from '../../src/contract/activities';
import type { ChatCompletion, ChatRequest } from '../../src/contract/chat';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/contract/search-attributes';
import { jobsTaskQueue, providerTaskQueue } from '../../src/contract/task-queues';
import type { ProviderCallInput, ProviderCallResult } from '../../src/contract/provider-call';
import type { EmbedTextsInput, EmbedTextsResult } from '../../src/contract/embedding-batch';
import type { AiJobInput, CachePlan, CachedResponse, JobTarget } from '../../src/contract/job';
import { workflowBundle } from './workflow-bundle';
import { createReserveAndCall } from '../../activities/reserve-and-call';

/** Task-queue prefix of the time-skipping environment: each test file has its own server, so one name does. */
export const PREFIX = 'ts';

/** An activity's stub may answer at once or later; throwing fails the activity either way. */
type StubOf<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => R | Promise<R> : never;

/** The activities a workflow under test reaches, each replaceable per test. */
/** Steps the stubs compose from others, as the real activities do (so a test stubs and inspects the parts). */
type ComposedSteps = 'reserveAndAdmit' | 'reserveEach' | 'settleEach';

export type Stubs = {
  [K in Exclude<keyof (StoreSteps & JobActivities), ComposedSteps>]: StubOf<(StoreSteps & JobActivities)[K]>;
} & {
  /** Called for every provider's queue; `taskQueue` says which worker received the call. */
  callProvider: (input: ProviderCallInput, taskQueue: string) => ProviderCallResult | Promise<ProviderCallResult>;
  embedTexts: (input: EmbedTextsInput, taskQueue: string) => EmbedTextsResult | Promise<EmbedTextsResult>;
} & {
  [K in BatchActivity]: StubOf<ProviderActivities[K]>;
};

/** The batch job's provider activities, stubbed like the others (each fails until a test stubs it). */
type BatchActivity = 'submitBatch' | 'batchStatus' | 'cancelBatch' | 'collectBatch';
const BATCH_ACTIVITIES: readonly BatchActivity[] = ['submitBatch', 'batchStatus', 'cancelBatch', 'collectBatch'];

/** One call a stub received, in the order the workflows made them. */
export interface StubCall {
  activity: keyof Stubs;
  input: unknown;
  taskQueue: string;
}

/** One test file's time-skipping server, its workers and the stubs they run. */
export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  client: Client;
  /** Replace any of these in a test; `reset()` restores the defaults. */
  stubs: Stubs;
  calls: StubCall[];
  /** The inputs `activity` received, in order. */
  inputsOf<K extends keyof Stubs>(activity: K): Array<Parameters<Stubs[K]>[0]>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * An activity learns it was cancelled from the answer to a heartbeat, and the SDK sends heartbeats at most every
 * 80% of the heartbeat timeout (8 s for the workflows' 10 s): sent more often here, cancellations arrive at once.
 */
const QUICK_CANCELLATION = { maxHeartbeatThrottleInterval: '50ms' } as const;

/** The launcher scripts/install-test-server.sh writes. */
export function testServerPath(): string {
  const cache =
    process.env.SWITCHYARD_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'switchyard');
  return join(cache, 'test-server', 'temporal-test-server');
}

/** A provider's answer, echoing the last user message, with fixed usage so costs are exact. */
export function completionFor(
  request: ChatRequest,
  usage = { prompt_tokens: 1_000, completion_tokens: 500 },
): ChatCompletion {
  const last = request.messages[request.messages.length - 1];
  const text = typeof last?.content === 'string' ? last.content : '';
  return {
    id: 'chatcmpl-stub',
    object: 'chat.completion',
    created: 0,
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: `echo: ${text}`, refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** Defaults: a cold cache, a budget with room, closed circuits, and providers that answer at once. */
export function defaultStubs(): Stubs {
  return {
    lookupCache: () => null,
    storeCache: () => undefined,
    reserveBudget: (input) => ({ ok: true, reservedUsd: input.amountUsd }),
    commitBudget: (input) => ({ reservedUsd: 0, committedUsd: input.actualUsd, overshootUsd: 0 }),
    releaseBudget: () => undefined,
    chargeBudget: () => undefined,
    admitCircuit: () => true,
    awaitFlight: () => {
      throw new Error('awaitFlight is not stubbed in this test');
    },
    callProvider: (input) => ({
      completion: completionFor(input.request),
      latencyMs: 5,
      attempt: Context.current().info.attempt,
      keyAlias: `${input.providerId}-key`,
    }),
    ...(Object.fromEntries(
      BATCH_ACTIVITIES.map((name) => [
        name,
        () => {
          throw new Error(`${name} is not stubbed in this test`);
        },
      ]),
    ) as unknown as { [K in BatchActivity]: Stubs[K] }),
    embedTexts: (input) => ({
      model: input.model,
      vectors: input.texts.map((text) => Buffer.from(text).toString('base64')),
      inputTokens: input.texts.reduce((sum, text) => sum + text.length, 0),
      latencyMs: 5,
      keyAlias: `${input.providerId}-key`,
    }),
  };
}

/** Every activity of the jobs worker, so that a step added to the contract cannot go unstubbed. */
const JOBS_QUEUE_ACTIVITIES: Record<Exclude<keyof (StoreSteps & JobActivities), ComposedSteps>, true> = {
  lookupCache: true,
  storeCache: true,
  reserveBudget: true,
  commitBudget: true,
  releaseBudget: true,
  chargeBudget: true,
  admitCircuit: true,
  awaitFlight: true,
};

/**
 * Starts Temporal's time-skipping test server for one test file, with the real workflows on the jobs queue and
 * stubbed activities: the store steps (local activities) and `awaitFlight` on the jobs worker, `callProvider`
 * on one worker per provider queue, as deployed. Timers and retry backoffs are skipped while a test waits on a
 * workflow's result, so a 30-minute key-pool wait takes milliseconds.
 */
export async function startTimeSkipping(providerIds: readonly string[]): Promise<TimeSkipping> {
  const server = testServerPath();
  if (!existsSync(server)) {
    throw new Error(
      `Temporal's time-skipping test server is not installed (${server}): run bash scripts/install-test-server.sh`,
    );
  }
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed in this process.
  }
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: server } },
  });
  await registerSearchAttributes(env);

  const calls: StubCall[] = [];
  const state = { stubs: defaultStubs() };
  const record =
    (activity: keyof Stubs, taskQueue: string) =>
    async (input: unknown): Promise<unknown> => {
      calls.push({ activity, input, taskQueue });
      const stub = state.stubs[activity] as (input: unknown, taskQueue: string) => unknown;
      return await stub(input, taskQueue);
    };
  const jobs = jobsTaskQueue(PREFIX);
  const recorded = Object.fromEntries(
    Object.keys(JOBS_QUEUE_ACTIVITIES).map((name) => [name, record(name as keyof Stubs, jobs)]),
  ) as unknown as Omit<StoreSteps, ComposedSteps> & JobActivities;
  const storeSteps: StoreSteps & JobActivities = {
    ...recorded,
    async reserveAndAdmit({ reserve, admit }) {
      const reserved = await recorded.reserveBudget(reserve);
      return reserved.ok ? { reserved, admission: await recorded.admitCircuit(admit) } : { reserved };
    },
    async reserveEach({ reservations }) {
      const outcomes = [];
      for (const reservation of reservations) outcomes.push(await recorded.reserveBudget(reservation));
      return outcomes;
    },
    async settleEach({ commits, releases }) {
      for (const commit of commits) await recorded.commitBudget(commit);
      for (const reservationId of releases) await recorded.releaseBudget({ reservationId });
    },
  };
  const workers = [
    await Worker.create({
      connection: env.nativeConnection,
      taskQueue: jobs,
      workflowBundle: await workflowBundle(),
      activities: {
        ...storeSteps,
        reserveAndCall: createReserveAndCall({
          reserveAndAdmit: (input) => storeSteps.reserveAndAdmit(input),
          callProvider: (input) =>
            (record('callProvider', jobs) as unknown as ProviderActivities['callProvider'])(input),
        }),
      },
      ...QUICK_CANCELLATION,
    }),
    ...(await Promise.all(
      providerIds.map((id) => {
        const queue = providerTaskQueue(PREFIX, id);
        const activities: ProviderActivities = {
          callProvider: (input) =>
            (record('callProvider', queue) as unknown as ProviderActivities['callProvider'])(input),
          embedTexts: (input) => (record('embedTexts', queue) as unknown as ProviderActivities['embedTexts'])(input),
          ...(Object.fromEntries(BATCH_ACTIVITIES.map((name) => [name, record(name, queue)])) as Pick<
            ProviderActivities,
            BatchActivity
          >),
        };
        return Worker.create({ connection: env.nativeConnection, taskQueue: queue, activities, ...QUICK_CANCELLATION });
      }),
    )),
  ];
  const running = Promise.all(workers.map((w) => w.run()));

  return {
    env,
    client: env.client,
    get stubs() {
      return state.stubs;
    },
    calls,
    inputsOf<K extends keyof Stubs>(activity: K) {
      return calls.filter((c) => c.activity === activity).map((c) => c.input as Parameters<Stubs[K]>[0]);
    },
    reset() {
      state.stubs = defaultStubs();
      calls.length = 0;
    },
    async close() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** The workflows upsert Switchyard's search attributes, which a server must know before the first upsert. */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const types: Record<string, number> = { KEYWORD: 2, BOOL: 5, DOUBLE: 4 };
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, types[key.type] ?? 1])),
  });
}

/** A target on `providerId`'s queue of the time-skipping environment, priced at $1 / $2 per million tokens. */
export function target(providerId: string, model: string, overrides: Partial<JobTarget> = {}): JobTarget {
  return {
    providerId,
    providerType: providerId === 'anthropic' ? 'anthropic' : 'openai',
    model,
    keyAlias: `${providerId}-key`,
    taskQueue: providerTaskQueue(PREFIX, providerId),
    timeoutMs: 30_000,
    maxAttempts: 3,
    price: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 },
    ...overrides,
  };
}

/** What `completionFor`'s default usage costs on a `target()`: 1,000 × $1 + 500 × $2 per million tokens. */
export const CALL_COST_USD = 0.002;

let jobSequence = 0;

/** A job on an OpenAI target then an Anthropic one, without cache, a $0.01 estimate and no fallback answers. */
export function jobInput(overrides: Partial<AiJobInput> = {}): AiJobInput {
  jobSequence += 1;
  return {
    jobId: `job_ts${jobSequence}_${Date.now().toString(36)}`,
    tenantId: 'acme',
    request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] },
    targets: [target('openai', 'gpt-4o-mini'), target('anthropic', 'claude-haiku-4-5')],
    acceptedAt: new Date().toISOString(),
    cache: null,
    budget: { caps: { dailyUsd: 10 }, estimateUsd: 0.01, onExceeded: 'reject' },
    fallback: { staleCache: false, rules: [], onExhausted: 'fail' },
    ...overrides,
  };
}

/** A cache plan for `key` in `mode`. */
export function cachePlan(key: string, mode: CachePlan['mode'] = 'default'): CachePlan {
  return { key, mode, ttlSeconds: 3600, staleSeconds: 86_400 };
}

/** A cached answer from `providerId`. */
export function cachedResponse(content: string, providerId = 'openai'): CachedResponse {
  return {
    completion: {
      ...completionFor({ model: 'gpt-4o-mini', messages: [] }),
      choices: [
        { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
      ],
    },
    providerId,
    model: 'gpt-4o-mini',
  };
}

/** Resolves once `predicate` holds, checking every 20 ms; fails after `ms` (real time) naming `what`. */
export async function eventually(what: string, predicate: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
