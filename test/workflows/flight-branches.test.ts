import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, type ActivityFailure } from '@temporalio/common';
import { awaitFlight } from '../../activities/await-flight';
import { FailureType } from '../../src/contract/failure-types';
import {
  JOIN_FLIGHT_SIGNAL,
  LEAVE_FLIGHT_SIGNAL,
  PROVIDER_FLIGHT_WORKFLOW,
  flightWorkflowId,
  type FlightInput,
  type ProviderFlightWorkflow,
} from '../../src/contract/flight';
import { AI_JOB_WORKFLOW, type AiJobWorkflow } from '../../src/contract/job';
import type { ProviderCallResult } from '../../src/contract/provider-call';
import { jobsTaskQueue } from '../../src/contract/task-queues';
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
let sequence = 0;

beforeAll(async () => {
  ts = await startTimeSkipping(['openai', 'anthropic']);
});
afterAll(async () => {
  await ts?.close();
});
beforeEach(() => ts.reset());

function flightInput(overrides: Partial<FlightInput> = {}): FlightInput {
  sequence += 1;
  return {
    leaderJobId: `job_leader${sequence}`,
    tenantId: 'acme',
    request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] },
    targets: [target('openai', 'gpt-4o-mini')],
    cache: cachePlan(`flight-key-${sequence}-${Date.now().toString(36)}`),
    ...overrides,
  };
}

/** Starts the flight as a job does: signal-with-start of its join. */
function startFlight(input: FlightInput): Promise<WorkflowHandle<ProviderFlightWorkflow>> {
  return ts.client.workflow.signalWithStart<ProviderFlightWorkflow, [jobId: string]>(PROVIDER_FLIGHT_WORKFLOW, {
    workflowId: flightWorkflowId(input.cache.key),
    taskQueue: jobsTaskQueue(PREFIX),
    args: [input],
    signal: JOIN_FLIGHT_SIGNAL,
    signalArgs: [input.leaderJobId],
  });
}

/**
 * A provider call that runs until it is cancelled (heartbeats carry the cancellation), or until `release` says
 * the provider answered.
 */
function hangingCall() {
  const state = { started: false, cancelled: false, answer: () => undefined as void };
  const call = async (input: { request: FlightInput['request'] }): Promise<ProviderCallResult> => {
    state.started = true;
    const context = Context.current();
    const beat = setInterval(() => context.heartbeat(), 50);
    try {
      const answered = new Promise<void>((resolve) => (state.answer = resolve));
      await Promise.race([answered, context.cancelled]);
    } catch (err) {
      state.cancelled = true;
      throw err;
    } finally {
      clearInterval(beat);
    }
    return { completion: completionFor(input.request), latencyMs: 3, attempt: 1, keyAlias: 'k' };
  };
  return { state, call };
}

/** Resolves once the workflow has run a task after receiving `signal`. */
async function signalProcessed(handle: WorkflowHandle, signal: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = (await handle.fetchHistory()).events ?? [];
    const received = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === signal);
    if (received >= 0 && events.slice(received).some((e) => e.workflowTaskCompletedEventAttributes)) return;
    if (Date.now() > deadline) throw new Error(`the flight never processed ${signal}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the flight workflow', () => {
  test('calls once, caches the answer as paid by its leader and charges the call once, keyed by its run', async () => {
    const input = flightInput();
    const handle = await startFlight(input);
    const result = await handle.result();
    expect(result).toMatchObject({
      leaderJobId: input.leaderJobId,
      costUsd: CALL_COST_USD,
      fromCache: false,
      charged: true,
    });
    const { runId } = await handle.describe();
    expect(ts.inputsOf('chargeBudget')).toEqual([
      {
        chargeId: `${handle.workflowId}@${runId}`,
        tenantId: 'acme',
        amountUsd: CALL_COST_USD,
        now: expect.any(Number),
      },
    ]);
    expect(ts.inputsOf('storeCache')).toEqual([
      expect.objectContaining({
        key: input.cache.key,
        value: expect.objectContaining({
          providerId: 'openai',
          paidBy: { jobId: input.leaderJobId, costUsd: CALL_COST_USD },
        }),
        ttlSeconds: input.cache.ttlSeconds,
        staleSeconds: input.cache.staleSeconds,
      }),
    ]);
    expect(ts.inputsOf('callProvider')).toHaveLength(1);
  });

  test('a fresh cache entry answers without a call or a charge', async () => {
    ts.stubs.lookupCache = () => ({ value: cachedResponse('cached'), storedAt: 0, stale: false });
    const result = await (await startFlight(flightInput())).result();
    expect(result).toMatchObject({ fromCache: true, costUsd: 0 });
    expect(ts.inputsOf('callProvider')).toEqual([]);
    expect(ts.inputsOf('chargeBudget')).toEqual([]);
  });

  test("the leader's own paid answer in the cache is its call, already charged", async () => {
    const input = flightInput();
    ts.stubs.lookupCache = () => ({
      value: { ...cachedResponse('mine'), paidBy: { jobId: input.leaderJobId, costUsd: CALL_COST_USD } },
      storedAt: 0,
      stale: false,
    });
    const result = await (await startFlight(input)).result();
    expect(result).toMatchObject({ fromCache: false, charged: true, costUsd: CALL_COST_USD });
    expect(ts.inputsOf('chargeBudget')).toEqual([]);
  });

  test('a stale entry is called afresh; mode "refresh" does not look at all', async () => {
    ts.stubs.lookupCache = () => ({ value: cachedResponse('old'), storedAt: 0, stale: true });
    expect((await (await startFlight(flightInput())).result()).fromCache).toBe(false);
    expect(ts.inputsOf('lookupCache')).toHaveLength(1);
    ts.reset();
    await (await startFlight(flightInput({ cache: cachePlan(`refresh-${Date.now()}`, 'refresh') }))).result();
    expect(ts.inputsOf('lookupCache')).toEqual([]);
    expect(ts.inputsOf('callProvider')).toHaveLength(1);
    expect(ts.inputsOf('chargeBudget')).toHaveLength(1);
  });

  test('a call to a model without a price is cached but charges nothing', async () => {
    const result = await (
      await startFlight(flightInput({ targets: [target('openai', 'x', { price: null })] }))
    ).result();
    expect(result.costUsd).toBeNull();
    expect(ts.inputsOf('chargeBudget')).toEqual([]);
    expect(ts.inputsOf('storeCache')).toHaveLength(1);
  });

  test('a cache that fails to store does not fail the flight: the answer is returned and charged', async () => {
    ts.stubs.storeCache = () => {
      throw ApplicationFailure.create({ message: 'cache store down', nonRetryable: true });
    };
    const result = await (await startFlight(flightInput())).result();
    expect(result).toMatchObject({ charged: true, costUsd: CALL_COST_USD });
    expect(ts.inputsOf('chargeBudget')).toHaveLength(1);
  });

  test('when every target fails, the flight fails with the chain failure and charges nothing', async () => {
    ts.stubs.callProvider = () => {
      throw ApplicationFailure.create({ type: FailureType.InvalidRequest, message: 'bad', nonRetryable: true });
    };
    const err = await (await startFlight(flightInput())).result().catch((e: unknown) => e);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe(FailureType.InvalidRequest);
    expect(ts.inputsOf('chargeBudget')).toEqual([]);
    expect(ts.inputsOf('storeCache')).toEqual([]);
  });

  test("when its starter leaves but another job still waits, the call goes on and is charged once to the starter's tenant", async () => {
    const { state, call } = hangingCall();
    ts.stubs.callProvider = call;
    const input = flightInput();
    const handle = await startFlight(input);
    await handle.signal(JOIN_FLIGHT_SIGNAL, 'job_follower');
    await eventually('the call started', () => state.started);
    await handle.signal(LEAVE_FLIGHT_SIGNAL, input.leaderJobId);
    await signalProcessed(handle, LEAVE_FLIGHT_SIGNAL);
    state.answer();
    const result = await handle.result();
    expect(result).toMatchObject({ leaderJobId: input.leaderJobId, charged: true });
    expect(state.cancelled).toBe(false);
    expect(ts.inputsOf('chargeBudget')).toEqual([
      expect.objectContaining({ tenantId: 'acme', amountUsd: CALL_COST_USD }),
    ]);
  });

  test('when the last job that joined leaves, the flight cancels its call and charges nothing', async () => {
    const { state, call } = hangingCall();
    ts.stubs.callProvider = call;
    const input = flightInput();
    const handle = await startFlight(input);
    await handle.signal(JOIN_FLIGHT_SIGNAL, 'job_follower');
    await eventually('the call started', () => state.started);
    await handle.signal(LEAVE_FLIGHT_SIGNAL, 'job_follower');
    await handle.signal(LEAVE_FLIGHT_SIGNAL, input.leaderJobId);
    // The flight ends with its call's cancellation, so a job joining late retries and starts a new flight.
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as ActivityFailure).cause).toBeInstanceOf(CancelledFailure);
    expect(state.cancelled).toBe(true);
    expect(ts.inputsOf('chargeBudget')).toEqual([]);
    expect(ts.inputsOf('storeCache')).toEqual([]);
  });

  test('a job cancelled while it waits on its flight leaves it, and as the only one waiting, cancels the call', async () => {
    const { state, call } = hangingCall();
    ts.stubs.callProvider = call;
    // The real wait: signal-with-start of the flight, then its result.
    ts.stubs.awaitFlight = (input) => awaitFlight({ client: ts.client, jobsTaskQueue: jobsTaskQueue(PREFIX) }, input);
    const input = jobInput({
      cache: cachePlan(`job-leaves-${Date.now()}`),
      targets: [target('openai', 'gpt-4o-mini')],
    });
    const job = await ts.client.workflow.start<AiJobWorkflow>(AI_JOB_WORKFLOW, {
      workflowId: input.jobId,
      taskQueue: jobsTaskQueue(PREFIX),
      args: [input],
    });
    await eventually('the call started', () => state.started);
    await job.cancel();
    const err = await job.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const flight = ts.client.workflow.getHandle(flightWorkflowId(input.cache!.key));
    const flightErr = await flight.result().catch((e: unknown) => e);
    expect(((flightErr as WorkflowFailedError).cause as ActivityFailure).cause).toBeInstanceOf(CancelledFailure);
    expect(state.cancelled).toBe(true);
    expect(ts.inputsOf('releaseBudget')).toHaveLength(1);
    expect(ts.inputsOf('chargeBudget')).toEqual([]);
  });
});
