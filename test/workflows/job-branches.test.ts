import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FailureType, KEY_POOL_BUSY } from '../../src/contract/failure-types';
import { AI_JOB_WORKFLOW, type AiJobInput, type AiJobResult, type AiJobWorkflow } from '../../src/contract/job';
import { jobsTaskQueue } from '../../src/contract/task-queues';
import * as attributes from '../../src/contract/search-attributes';
import type { FlightResult } from '../../src/contract/flight';
import {
  CALL_COST_USD,
  PREFIX,
  cachePlan,
  cachedResponse,
  completionFor,
  eventually,
  jobInput,
  startTimeSkipping,
  target,
  type TimeSkipping,
} from '../helpers/time-skipping';

let ts: TimeSkipping;

beforeAll(async () => {
  ts = await startTimeSkipping(['openai', 'anthropic']);
});
afterAll(async () => {
  await ts?.close();
});
beforeEach(() => ts.reset());

function start(input: AiJobInput): Promise<WorkflowHandle<AiJobWorkflow>> {
  return ts.client.workflow.start<AiJobWorkflow>(AI_JOB_WORKFLOW, {
    workflowId: input.jobId,
    taskQueue: jobsTaskQueue(PREFIX),
    args: [input],
    typedSearchAttributes: [{ key: attributes.TENANT, value: input.tenantId }],
  });
}

async function run(input: AiJobInput): Promise<AiJobResult> {
  return (await start(input)).result();
}

/** The job's failure, which must be a failed workflow with an ApplicationFailure cause. */
async function failureOf(input: AiJobInput): Promise<ApplicationFailure> {
  const err: unknown = await run(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** A provider failure as the provider activity raises it, with the attempt in its details. */
function providerFailure(type: string, nonRetryable: boolean, details: Record<string, unknown> = {}) {
  return ApplicationFailure.create({
    type,
    message: `provider said ${type}`,
    nonRetryable,
    details: [{ attempt: Context.current().info.attempt, ...details }],
  });
}

/** The reservation id of a job's first (and only) run. */
async function reservationOf(handle: WorkflowHandle): Promise<string> {
  const { runId } = await handle.describe();
  return `${handle.workflowId}@${runId}`;
}

function leaderFlight(jobId: string, overrides: Partial<FlightResult> = {}): FlightResult {
  const response = cachedResponse('from the flight');
  return {
    leaderJobId: jobId,
    response,
    usage: response.completion.usage,
    costUsd: CALL_COST_USD,
    providerLatencyMs: 7,
    attempts: [{ providerId: 'openai', model: 'gpt-4o-mini', outcome: 'ok', attempts: 1 }],
    fromCache: false,
    charged: true,
    ...overrides,
  };
}

describe('the job workflow, without a cache', () => {
  test('reserves the estimate, calls the first target and commits the real cost', async () => {
    const input = jobInput();
    const handle = await start(input);
    const result = await handle.result();
    expect(result).toMatchObject({ providerId: 'openai', costUsd: CALL_COST_USD, cacheHit: false, downgraded: false });
    expect(result.attempts).toEqual([{ providerId: 'openai', model: 'gpt-4o-mini', outcome: 'ok', attempts: 1 }]);
    const id = await reservationOf(handle);
    expect(ts.inputsOf('reserveBudget')).toEqual([
      expect.objectContaining({ reservationId: id, tenantId: 'acme', amountUsd: 0.01, caps: { dailyUsd: 10 } }),
    ]);
    expect(ts.inputsOf('commitBudget')).toEqual([{ reservationId: id, actualUsd: CALL_COST_USD, tenantId: 'acme' }]);
    expect(ts.inputsOf('releaseBudget')).toEqual([]);
    expect(ts.inputsOf('lookupCache')).toEqual([]);
    expect(ts.calls.filter((c) => c.activity === 'callProvider').map((c) => c.taskQueue)).toEqual([
      'ts-provider-openai',
    ]);
  });

  test('a model without a price is answered, reported with a null cost and committed as zero', async () => {
    const input = jobInput({ targets: [target('openai', 'gpt-4o-mini', { price: null })] });
    const result = await run(input);
    expect(result.costUsd).toBeNull();
    expect(ts.inputsOf('commitBudget')).toEqual([expect.objectContaining({ actualUsd: 0 })]);
  });
});

describe('the fallback chain', () => {
  test('a target that keeps failing with a retryable error uses all its attempts, then the next target answers', async () => {
    ts.stubs.callProvider = (input, queue) => {
      if (queue.endsWith('openai')) throw providerFailure(FailureType.ServerError, false);
      return { completion: completionFor(input.request), latencyMs: 3, attempt: 1, keyAlias: 'k' };
    };
    const result = await run(jobInput());
    expect(result.providerId).toBe('anthropic');
    expect(result.attempts).toEqual([
      expect.objectContaining({ providerId: 'openai', outcome: FailureType.ServerError, attempts: 3 }),
      { providerId: 'anthropic', model: 'claude-haiku-4-5', outcome: 'ok', attempts: 1 },
    ]);
    expect(ts.calls.filter((c) => c.activity === 'callProvider').map((c) => c.taskQueue)).toEqual([
      'ts-provider-openai',
      'ts-provider-openai',
      'ts-provider-openai',
      'ts-provider-anthropic',
    ]);
  });

  test('a non-retryable failure moves on to the next target after one attempt', async () => {
    ts.stubs.callProvider = (input, queue) => {
      if (queue.endsWith('openai')) throw providerFailure(FailureType.Auth, true);
      return { completion: completionFor(input.request), latencyMs: 3, attempt: 1, keyAlias: 'k' };
    };
    const result = await run(jobInput());
    expect(result.providerId).toBe('anthropic');
    expect(result.attempts[0]).toMatchObject({ providerId: 'openai', outcome: FailureType.Auth, attempts: 1 });
    expect(ts.inputsOf('callProvider')).toHaveLength(2);
  });

  test('when every target fails, the job fails with the last failure and every attempt, and the reservation is released', async () => {
    ts.stubs.callProvider = () => {
      throw providerFailure(FailureType.InvalidRequest, true);
    };
    const input = jobInput();
    const handle = await start(input);
    const err = await handle.result().catch((e: unknown) => e);
    const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe(FailureType.InvalidRequest);
    expect(failure.details?.[0]).toEqual([
      expect.objectContaining({ providerId: 'openai', outcome: FailureType.InvalidRequest, attempts: 1 }),
      expect.objectContaining({ providerId: 'anthropic', outcome: FailureType.InvalidRequest, attempts: 1 }),
    ]);
    expect(ts.inputsOf('releaseBudget')).toEqual([{ reservationId: await reservationOf(handle) }]);
    expect(ts.inputsOf('commitBudget')).toEqual([]);
    expect((await handle.describe()).typedSearchAttributes.get(attributes.STATUS)).toBe('failed');
  });

  test('a target whose circuit is open is skipped without a call, and the next one answers', async () => {
    ts.stubs.admitCircuit = ({ providerId }) => providerId !== 'openai';
    const result = await run(jobInput());
    expect(result.providerId).toBe('anthropic');
    expect(result.attempts[0]).toMatchObject({ providerId: 'openai', outcome: FailureType.CircuitOpen, attempts: 0 });
    expect(ts.calls.filter((c) => c.activity === 'callProvider').map((c) => c.taskQueue)).toEqual([
      'ts-provider-anthropic',
    ]);
  });

  test('when every circuit is open the job fails as CIRCUIT_OPEN without calling anyone', async () => {
    ts.stubs.admitCircuit = () => false;
    const failure = await failureOf(jobInput());
    expect(failure.type).toBe(FailureType.CircuitOpen);
    expect(ts.inputsOf('callProvider')).toEqual([]);
    expect(ts.inputsOf('releaseBudget')).toHaveLength(1);
  });

  test('a busy key pool is waited out on a durable timer and called afresh, without using up attempts', async () => {
    let busy = 2;
    ts.stubs.callProvider = (input) => {
      if (busy-- > 0) throw providerFailure(KEY_POOL_BUSY, true, { retryAfterMs: 10 * 60_000 });
      return { completion: completionFor(input.request), latencyMs: 3, attempt: 1, keyAlias: 'k' };
    };
    const handle = await start(jobInput());
    const result = await handle.result();
    expect(result.providerId).toBe('openai');
    expect(ts.inputsOf('callProvider')).toHaveLength(3);
    // Two ten-minute waits happened in workflow time.
    const history = await handle.fetchHistory();
    expect(history.events?.filter((e) => e.timerStartedEventAttributes).length).toBe(2);
  });

  test('a key pool still busy after the longest wait ends the target as RATE_LIMITED and the chain moves on', async () => {
    ts.stubs.callProvider = (input, queue) => {
      if (queue.endsWith('openai')) throw providerFailure(KEY_POOL_BUSY, true, { retryAfterMs: 20 * 60_000 });
      return { completion: completionFor(input.request), latencyMs: 3, attempt: 1, keyAlias: 'k' };
    };
    const result = await run(jobInput());
    expect(result.providerId).toBe('anthropic');
    // One 20-minute wait fits in the 30-minute bound; a second would not.
    expect(result.attempts[0]).toMatchObject({ providerId: 'openai', outcome: FailureType.RateLimited, attempts: 2 });
  });
});

describe('the response cache', () => {
  test('a fresh hit answers at once: no reservation is kept and no provider is called', async () => {
    ts.stubs.lookupCache = () => ({ value: cachedResponse('cached answer'), storedAt: 0, stale: false });
    const input = jobInput({ cache: cachePlan('k-fresh') });
    const handle = await start(input);
    const result = await handle.result();
    expect(result).toMatchObject({ cacheHit: true, costUsd: 0, providerId: 'openai' });
    expect(result.completion.choices[0]?.message.content).toBe('cached answer');
    expect(ts.inputsOf('lookupCache')).toEqual([{ key: 'k-fresh' }]);
    expect(ts.inputsOf('reserveBudget')).toEqual([]);
    expect(ts.inputsOf('releaseBudget')).toEqual([{ reservationId: await reservationOf(handle) }]);
    expect(ts.inputsOf('callProvider')).toEqual([]);
    expect(ts.inputsOf('awaitFlight')).toEqual([]);
  });

  test('a hit its own earlier flight paid for is reported as its call, not as a free hit', async () => {
    const input = jobInput({ cache: cachePlan('k-own') });
    ts.stubs.lookupCache = () => ({
      value: { ...cachedResponse('mine'), paidBy: { jobId: input.jobId, costUsd: CALL_COST_USD } },
      storedAt: 0,
      stale: false,
    });
    const result = await run(input);
    expect(result).toMatchObject({ cacheHit: false, costUsd: CALL_COST_USD });
  });

  test('a miss goes through the flight, and a flight that charged its call is committed as zero', async () => {
    const input = jobInput({ cache: cachePlan('k-miss') });
    ts.stubs.awaitFlight = (flight) => leaderFlight(flight.leaderJobId);
    const handle = await start(input);
    const result = await handle.result();
    expect(result).toMatchObject({ costUsd: CALL_COST_USD, cacheHit: false, coalesced: false, providerLatencyMs: 7 });
    expect(ts.inputsOf('awaitFlight')).toEqual([
      expect.objectContaining({
        leaderJobId: input.jobId,
        tenantId: 'acme',
        targets: input.targets,
        cache: input.cache,
      }),
    ]);
    expect(ts.inputsOf('commitBudget')).toEqual([
      { reservationId: await reservationOf(handle), actualUsd: 0, tenantId: 'acme' },
    ]);
    expect(ts.inputsOf('callProvider')).toEqual([]);
  });

  test('a flight from an older build, which left the charge to its leader, is committed by the leader', async () => {
    ts.stubs.awaitFlight = (flight) => leaderFlight(flight.leaderJobId, { charged: undefined });
    await run(jobInput({ cache: cachePlan('k-old-flight') }));
    expect(ts.inputsOf('commitBudget')).toEqual([expect.objectContaining({ actualUsd: CALL_COST_USD })]);
  });

  test("a job that joined another job's flight shares its answer as coalesced, at no cost", async () => {
    ts.stubs.awaitFlight = () => leaderFlight('job_other', { charged: undefined });
    const result = await run(jobInput({ cache: cachePlan('k-join') }));
    expect(result).toMatchObject({ coalesced: true, cacheHit: false, costUsd: 0 });
    expect(ts.inputsOf('commitBudget')).toEqual([expect.objectContaining({ actualUsd: 0 })]);
  });

  test('a flight that found the answer in the cache makes a cache hit', async () => {
    ts.stubs.awaitFlight = (flight) => leaderFlight(flight.leaderJobId, { fromCache: true, costUsd: 0 });
    const result = await run(jobInput({ cache: cachePlan('k-flight-cache') }));
    expect(result).toMatchObject({ cacheHit: true, coalesced: false, costUsd: 0 });
  });

  test("a job that re-joined after a crash and got the answer its own flight paid for, through another job's flight, reports that call", async () => {
    const input = jobInput({ cache: cachePlan('k-rejoined') });
    const paid = { ...cachedResponse('mine'), paidBy: { jobId: input.jobId, costUsd: CALL_COST_USD } };
    ts.stubs.awaitFlight = () => leaderFlight('job_other', { fromCache: true, costUsd: 0, response: paid });
    const handle = await start(input);
    const result = await handle.result();
    expect(result).toMatchObject({ cacheHit: false, coalesced: false, costUsd: CALL_COST_USD });
    // Its earlier flight charged the call: the job commits nothing more.
    expect(ts.inputsOf('commitBudget')).toEqual([
      { reservationId: await reservationOf(handle), actualUsd: 0, tenantId: 'acme' },
    ]);
  });

  test("another job's paid answer, through the flight, stays a free cache hit", async () => {
    const paid = { ...cachedResponse('theirs'), paidBy: { jobId: 'job_other', costUsd: CALL_COST_USD } };
    ts.stubs.awaitFlight = () => leaderFlight('job_other', { fromCache: true, costUsd: 0, response: paid });
    const result = await run(jobInput({ cache: cachePlan('k-theirs') }));
    expect(result).toMatchObject({ cacheHit: true, coalesced: false, costUsd: 0 });
  });

  test("the flight's failure becomes the job's, with its type and attempts", async () => {
    const attempts = [{ providerId: 'openai', model: 'gpt-4o-mini', outcome: FailureType.Overloaded, attempts: 3 }];
    ts.stubs.awaitFlight = () => {
      throw ApplicationFailure.create({
        type: FailureType.Overloaded,
        message: 'All 1 target(s) failed',
        nonRetryable: true,
        details: [attempts],
      });
    };
    const failure = await failureOf(jobInput({ cache: cachePlan('k-flight-fails') }));
    expect(failure.type).toBe(FailureType.Overloaded);
    expect(failure.details?.[0]).toEqual(attempts);
    expect(ts.inputsOf('releaseBudget')).toHaveLength(1);
  });

  test('a stale entry is not served: the job calls through its flight', async () => {
    ts.stubs.lookupCache = () => ({ value: cachedResponse('old'), storedAt: 0, stale: true });
    ts.stubs.awaitFlight = (flight) => leaderFlight(flight.leaderJobId);
    const result = await run(jobInput({ cache: cachePlan('k-stale') }));
    expect(result.completion.choices[0]?.message.content).toBe('from the flight');
    expect(ts.inputsOf('awaitFlight')).toHaveLength(1);
  });

  test('cache mode "refresh" does not read the cache but calls and refreshes it through the flight', async () => {
    ts.stubs.lookupCache = () => ({ value: cachedResponse('cached'), storedAt: 0, stale: false });
    ts.stubs.awaitFlight = (flight) => leaderFlight(flight.leaderJobId);
    const result = await run(jobInput({ cache: cachePlan('k-refresh', 'refresh') }));
    expect(result.cacheHit).toBe(false);
    expect(ts.inputsOf('lookupCache')).toEqual([]);
    expect(ts.inputsOf('awaitFlight')).toEqual([expect.objectContaining({ cache: cachePlan('k-refresh', 'refresh') })]);
  });

  test('cache mode "only" answers a hit', async () => {
    ts.stubs.lookupCache = () => ({ value: cachedResponse('cached'), storedAt: 0, stale: false });
    const result = await run(jobInput({ cache: cachePlan('k-only-hit', 'only') }));
    expect(result.cacheHit).toBe(true);
  });

  test('cache mode "only" fails a miss as CACHE_MISS without reserving or calling', async () => {
    const failure = await failureOf(jobInput({ cache: cachePlan('k-only-miss', 'only') }));
    expect(failure.type).toBe(FailureType.CacheMiss);
    expect(failure.message).toContain('cache mode "only"');
    expect(ts.inputsOf('reserveBudget')).toEqual([]);
    expect(ts.inputsOf('callProvider')).toEqual([]);
    expect(ts.inputsOf('awaitFlight')).toEqual([]);
  });
});

describe('the budget', () => {
  const overCap = () => ({ ok: false as const, period: 'daily' as const, capUsd: 5, usedUsd: 4.995 });

  test('over the cap with policy "reject", the job fails as BUDGET_EXCEEDED naming the cap, and calls nobody', async () => {
    ts.stubs.reserveBudget = overCap;
    const failure = await failureOf(jobInput());
    expect(failure.type).toBe(FailureType.BudgetExceeded);
    expect(failure.message).toBe('This job would exceed the daily cap of $5.00 (already used: $5.00).');
    expect(ts.inputsOf('callProvider')).toEqual([]);
    expect(ts.inputsOf('commitBudget')).toEqual([]);
    expect(ts.inputsOf('releaseBudget')).toHaveLength(1);
  });

  test('over the cap with policy "downgrade", the job reserves and runs the cheaper route, bypassing the flight', async () => {
    ts.stubs.reserveBudget = (input) =>
      input.reservationId.endsWith(':downgrade') ? { ok: true, reservedUsd: input.amountUsd } : overCap();
    const cheap = target('anthropic', 'claude-haiku-4-5', { price: { inputUsdPerMTok: 0.5, outputUsdPerMTok: 1 } });
    const input = jobInput({
      cache: cachePlan('k-downgrade'),
      budget: {
        caps: { dailyUsd: 5 },
        estimateUsd: 0.01,
        onExceeded: 'downgrade',
        downgrade: { targets: [cheap], estimateUsd: 0.004 },
      },
    });
    const handle = await start(input);
    const result = await handle.result();
    expect(result).toMatchObject({ downgraded: true, providerId: 'anthropic', costUsd: 0.001 });
    const id = await reservationOf(handle);
    expect(ts.inputsOf('reserveBudget').map((r) => [r.reservationId, r.amountUsd])).toEqual([
      [id, 0.01],
      [`${id}:downgrade`, 0.004],
    ]);
    expect(ts.inputsOf('commitBudget')).toEqual([
      { reservationId: `${id}:downgrade`, actualUsd: 0.001, tenantId: 'acme' },
    ]);
    expect(ts.inputsOf('awaitFlight')).toEqual([]);
    expect(ts.calls.filter((c) => c.activity === 'callProvider').map((c) => c.taskQueue)).toEqual([
      'ts-provider-anthropic',
    ]);
  });

  test('over the cap even on the cheaper route, the job fails as BUDGET_EXCEEDED', async () => {
    ts.stubs.reserveBudget = overCap;
    const failure = await failureOf(
      jobInput({
        budget: {
          caps: { dailyUsd: 5 },
          estimateUsd: 0.01,
          onExceeded: 'downgrade',
          downgrade: { targets: [target('anthropic', 'claude-haiku-4-5')], estimateUsd: 0.004 },
        },
      }),
    );
    expect(failure.type).toBe(FailureType.BudgetExceeded);
    expect(failure.message).toContain('even on the cheaper route');
    expect(ts.inputsOf('reserveBudget')).toHaveLength(2);
    expect(ts.inputsOf('callProvider')).toEqual([]);
  });

  test('over the cap with policy "cache-only", a cached answer (even a stale one) is served for free', async () => {
    ts.stubs.reserveBudget = overCap;
    let lookups = 0;
    // The first lookup (before reserving) misses; the policy's own lookup finds a stale entry.
    ts.stubs.lookupCache = () =>
      lookups++ === 0 ? null : { value: cachedResponse('stale but free'), storedAt: 0, stale: true };
    const result = await run(
      jobInput({ cache: cachePlan('k-cache-only'), budget: { caps: {}, estimateUsd: 0.01, onExceeded: 'cache-only' } }),
    );
    expect(result).toMatchObject({ cacheHit: true, costUsd: 0 });
    expect(result.completion.choices[0]?.message.content).toBe('stale but free');
    expect(ts.inputsOf('awaitFlight')).toEqual([]);
    expect(ts.inputsOf('commitBudget')).toEqual([]);
  });

  test('over the cap with policy "cache-only" and nothing cached, the job fails as CACHE_MISS', async () => {
    ts.stubs.reserveBudget = overCap;
    const failure = await failureOf(
      jobInput({
        cache: cachePlan('k-cache-only-miss'),
        budget: { caps: {}, estimateUsd: 0.01, onExceeded: 'cache-only' },
      }),
    );
    expect(failure.type).toBe(FailureType.CacheMiss);
    expect(failure.message).toContain('policy "cache-only"');
    expect(ts.inputsOf('callProvider')).toEqual([]);
  });
});

describe('degraded answers after every target failed', () => {
  const failing = (): Promise<never> => {
    throw providerFailure(FailureType.ServerError, true);
  };

  test('a stale cache entry answers first, marked degraded, at no cost', async () => {
    ts.stubs.awaitFlight = () => {
      throw ApplicationFailure.create({ type: FailureType.ServerError, message: 'down', nonRetryable: true });
    };
    let lookups = 0;
    ts.stubs.lookupCache = () =>
      lookups++ === 0 ? null : { value: cachedResponse('yesterday'), storedAt: 0, stale: true };
    const result = await run(
      jobInput({
        cache: cachePlan('k-degrade'),
        fallback: { staleCache: true, rules: [{ pattern: '.', answer: 'rule' }], onExhausted: 'degrade', message: 'm' },
      }),
    );
    expect(result).toMatchObject({ degraded: true, cacheHit: true, costUsd: 0 });
    expect(result.degradation).toEqual({
      reason: 'stale_cache',
      failureType: FailureType.ServerError,
      failureMessage: 'down',
    });
    expect(ts.inputsOf('commitBudget')).toEqual([expect.objectContaining({ actualUsd: 0 })]);
  });

  test('a matching rule answers next, with the user input filled in', async () => {
    ts.stubs.callProvider = failing;
    const result = await run(
      jobInput({
        fallback: {
          staleCache: true,
          rules: [{ pattern: '^hel', answer: 'You said: {{input}}' }],
          onExhausted: 'fail',
        },
      }),
    );
    expect(result).toMatchObject({ degraded: true, providerId: 'switchyard', model: 'fallback:rule', costUsd: 0 });
    expect(result.completion.choices[0]?.message.content).toBe('You said: Hello');
    expect(result.attempts).toHaveLength(2);
    expect(ts.inputsOf('commitBudget')).toEqual([expect.objectContaining({ actualUsd: 0 })]);
  });

  test("the route's message answers last when the route degrades on exhaustion", async () => {
    ts.stubs.callProvider = failing;
    const result = await run(
      jobInput({ fallback: { staleCache: false, rules: [], message: 'Try later', onExhausted: 'degrade' } }),
    );
    expect(result).toMatchObject({ degraded: true, model: 'fallback:message' });
    expect(result.degradation?.reason).toBe('message');
    expect(result.completion.choices[0]?.message.content).toBe('Try later');
  });

  test("a failure that is the caller's (content policy) is not degraded", async () => {
    ts.stubs.callProvider = () => {
      throw providerFailure(FailureType.ContentPolicy, true);
    };
    const failure = await failureOf(
      jobInput({ fallback: { staleCache: false, rules: [], message: 'Try later', onExhausted: 'degrade' } }),
    );
    expect(failure.type).toBe(FailureType.ContentPolicy);
    expect(ts.inputsOf('releaseBudget')).toHaveLength(1);
  });
});

describe('cancellation', () => {
  test('a job cancelled while reserving releases its reservation and calls nobody', async () => {
    let reserving = false;
    ts.stubs.reserveBudget = async () => {
      reserving = true;
      // The store hangs until the cancellation reaches the step.
      await Context.current().cancelled;
      throw new Error('unreachable');
    };
    // A workflow busy in a local activity sees the cancellation when its task heartbeats (at 80% of the
    // task timeout): a short task timeout keeps this test quick.
    const input = jobInput();
    const handle = await ts.client.workflow.start<AiJobWorkflow>(AI_JOB_WORKFLOW, {
      workflowId: input.jobId,
      taskQueue: jobsTaskQueue(PREFIX),
      args: [input],
      workflowTaskTimeout: '1s',
    });
    await eventually('the reservation started', () => reserving);
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(ts.inputsOf('releaseBudget')).toEqual([{ reservationId: await reservationOf(handle) }]);
    expect(ts.inputsOf('callProvider')).toEqual([]);
    expect(ts.inputsOf('commitBudget')).toEqual([]);
    expect((await handle.describe()).typedSearchAttributes.get(attributes.STATUS)).toBe('cancelled');
  });

  test('a job cancelled during a call that was answered anyway completes with the paid answer and commits it', async () => {
    let calling = false;
    ts.stubs.callProvider = async (input) => {
      calling = true;
      const context = Context.current();
      // Heartbeats carry the cancellation to the activity.
      const beat = setInterval(() => context.heartbeat(), 50);
      await context.cancelled.catch(() => undefined);
      clearInterval(beat);
      return { completion: completionFor(input.request), latencyMs: 3, attempt: 1, keyAlias: 'k' };
    };
    const handle = await start(jobInput());
    await eventually('the call started', () => calling);
    await handle.cancel();
    // The answer was paid for, so the job completes with it rather than throwing it away.
    const result = await handle.result();
    expect(result).toMatchObject({ providerId: 'openai', costUsd: CALL_COST_USD });
    expect(ts.inputsOf('commitBudget')).toEqual([
      { reservationId: await reservationOf(handle), actualUsd: CALL_COST_USD, tenantId: 'acme' },
    ]);
    expect(ts.inputsOf('releaseBudget')).toEqual([]);
  });

  test('a job cancelled during a call that was aborted releases its reservation', async () => {
    let calling = false;
    ts.stubs.callProvider = async () => {
      calling = true;
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), 50);
      try {
        await context.cancelled;
      } finally {
        clearInterval(beat);
      }
      throw new Error('unreachable');
    };
    const handle = await start(jobInput());
    await eventually('the call started', () => calling);
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(ts.inputsOf('releaseBudget')).toEqual([{ reservationId: await reservationOf(handle) }]);
    expect(ts.inputsOf('commitBudget')).toEqual([]);
  });
});
