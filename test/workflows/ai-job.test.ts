import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { planJob } from '../../src/api/job-plan';
import { aiJob } from '../../workflows/ai-job';
import { FailureType } from '../../src/contract/failure-types';
import * as attributes from '../../src/contract/search-attributes';
import { jobsTaskQueue } from '../../src/contract/task-queues';
import { statusQuery } from '../../workflows/messages';
import type { AiJobInput } from '../../src/contract/job';
import { openWorkerStores } from '../../src/worker/create-workers';
import { startHarness, type Harness } from '../helpers/harness';
import { localActivitiesOf } from '../helpers/local-activities';

let harness: Harness;
let sequence = 0;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

function jobInput(text: string, model = 'gpt-4o-mini', maxTokens?: number): AiJobInput {
  sequence += 1;
  const jobId = `job_wf${Date.now().toString(36)}${sequence}`;
  const request = {
    model,
    messages: [{ role: 'user' as const, content: text }],
    ...(maxTokens ? { max_tokens: maxTokens } : {}),
  };
  const plan = planJob(harness.config, 'default', request);
  return {
    jobId,
    tenantId: 'default',
    request,
    targets: plan.targets,
    acceptedAt: new Date().toISOString(),
    cache: plan.cache,
    budget: plan.budget,
    fallback: plan.fallback,
  };
}

function start(input: AiJobInput) {
  return harness.client.workflow.start(aiJob, {
    workflowId: input.jobId,
    taskQueue: jobsTaskQueue(harness.config.temporal.taskQueuePrefix),
    args: [input],
    typedSearchAttributes: [{ key: attributes.TENANT, value: input.tenantId }],
  });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('the job workflow', () => {
  test.each([
    ['openai', 'gpt-4o-mini'],
    ['anthropic', 'claude-haiku-4-5'],
    ['gemini', 'gemini-2.5-flash'],
  ])('calls %s on its task queue and returns the completion with usage and cost', async (provider, model) => {
    const handle = await start(jobInput(`Say hello from ${provider}`, model));
    const result = await handle.result();
    expect(result.providerId).toBe(provider);
    expect(result.completion.object).toBe('chat.completion');
    expect(result.completion.choices[0]?.message.content).toContain(`Say hello from ${provider}`);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    const price = harness.config.models[model]!.price;
    expect(result.costUsd).toBeCloseTo(
      (result.usage.inputTokens * price.inputUsdPerMTok + result.usage.outputTokens * price.outputUsdPerMTok) / 1e6,
      10,
    );
    expect(result.attempts).toEqual([{ providerId: provider, model, outcome: 'ok', attempts: 1 }]);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(attributes.STATUS)).toBe('completed');
    expect(description.typedSearchAttributes.get(attributes.PROVIDER)).toBe(provider);
    expect(description.typedSearchAttributes.get(attributes.COST_USD)).toBe(result.costUsd);
  });

  test('a transient 503 is retried by Temporal until the provider answers', async () => {
    const result = await (await start(jobInput('Retry me [[mock:status=503]] [[mock:fail-times=2]]'))).result();
    expect(result.attempts).toEqual([{ providerId: 'openai', model: 'gpt-4o-mini', outcome: 'ok', attempts: 3 }]);
  });

  test("a 429 is retried after the provider's Retry-After", async () => {
    const started = Date.now();
    const result = await (
      await start(
        jobInput('Slow down [[mock:status=429]] [[mock:retry-after=2]] [[mock:fail-times=1]]', 'claude-haiku-4-5'),
      )
    ).result();
    expect(result.attempts[0]?.attempts).toBe(2);
    // The default backoff would retry after 0.5 s; the provider asked for 2 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  test("a first call made with the reservation counts against its target's attempts", async () => {
    const input = jobInput('Keep failing [[mock:status=503]] [[mock:fail-times=9]]');
    const [first] = input.targets;
    const handle = await start({ ...input, targets: [{ ...first!, maxAttempts: 2 }] });
    const failure = await failureOf(handle.result());
    expect(failure.details?.[0]).toEqual([
      expect.objectContaining({ providerId: 'openai', outcome: FailureType.Overloaded, attempts: 2 }),
    ]);
    // The first attempt in the reserving step, the second (and last) in the chain's own call.
    expect(await localActivitiesOf(handle)).toEqual(['reserveAndCall', 'callProvider', 'releaseBudget']);
  });

  test('an invalid request fails at once without retries, with the typed failure', async () => {
    const handle = await start(jobInput('Bad [[mock:status=400]]'));
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe(FailureType.InvalidRequest);
    expect(failure.details?.[0]).toEqual([
      expect.objectContaining({ providerId: 'openai', outcome: FailureType.InvalidRequest, attempts: 1 }),
    ]);
    expect((await handle.describe()).typedSearchAttributes.get(attributes.STATUS)).toBe('failed');
  });

  test('a content-policy refusal is not retried', async () => {
    const failure = await failureOf((await start(jobInput('No [[mock:content-policy]]', 'gemini-2.5-flash'))).result());
    expect(failure.type).toBe(FailureType.ContentPolicy);
  });

  test('the status query reports the provider being called while a queued call runs', async () => {
    // A local call holds its workflow task open, and a query waits for the task: this is the queued kind.
    const input = jobInput('Take your time [[mock:latency=1500]]');
    const handle = await start({ ...input, targets: input.targets.map((t) => ({ ...t, callLocally: false })) });
    let status = await handle.query(statusQuery);
    for (let i = 0; i < 20 && status.phase !== 'calling_provider'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await handle.query(statusQuery);
    }
    expect(status).toMatchObject({ phase: 'calling_provider', providerId: 'openai', model: 'gpt-4o-mini' });
    await handle.result();
    expect((await handle.query(statusQuery)).phase).toBe('completed');
  });

  test("a local call commits the job's reservation with its answer, in the step that reserved it", async () => {
    const stores = await openWorkerStores(harness.config);
    try {
      const spent = async () => (await stores.ledger.spend('default', {}, Date.now())).daily;
      const before = await spent();
      const local = await start(jobInput('Commit with the call'));
      const localResult = await local.result();
      expect(await localActivitiesOf(local)).toEqual(['reserveAndCall']);
      const afterLocal = await spent();
      expect(afterLocal.committedUsd - before.committedUsd).toBeCloseTo(localResult.costUsd!, 9);
      expect(afterLocal.reservedUsd).toBeCloseTo(before.reservedUsd, 9);

      // A queued call runs on a provider worker, which has no ledger: the job commits itself, as before.
      const input = jobInput('Commit after the call');
      const queued = await start({ ...input, targets: input.targets.map((t) => ({ ...t, callLocally: false })) });
      const queuedResult = await queued.result();
      expect(await localActivitiesOf(queued)).toEqual(['reserveAndAdmit', 'commitBudget']);
      const afterQueued = await spent();
      expect(afterQueued.committedUsd - afterLocal.committedUsd).toBeCloseTo(queuedResult.costUsd!, 9);
      expect(afterQueued.reservedUsd).toBeCloseTo(before.reservedUsd, 9);
    } finally {
      await stores.close();
    }
  });

  test('a cancelled job ends as cancelled and is recorded so', async () => {
    const handle = await start(jobInput('Never mind [[mock:latency=5000]]'));
    await new Promise((r) => setTimeout(r, 500));
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const description = await handle.describe();
    expect(description.status.name).toBe('CANCELLED');
    expect(description.typedSearchAttributes.get(attributes.STATUS)).toBe('cancelled');
  });
});
