import { CancellationScope, condition, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { costOf } from '../src/contract/cost';
import { callChain, type ChainSuccess } from './call-chain';
import { settleSteps, storeSteps } from './local-activities';
import { Patch } from './patches';
import { joinFlightSignal, leaveFlightSignal } from './messages';
import type { FlightInput, FlightResult } from '../src/contract/flight';

/**
 * One provider call shared by every identical request in flight. Its workflow id derives from the cache
 * key and jobs attach to it (signal-with-start of `joinFlight`), so N identical concurrent requests make one
 * call. It looks in the cache first, because a flight started just after the previous one finished must find
 * that answer rather than pay for it again.
 *
 * The flight owns its call: it charges the cost to the tenant of the job that started it, whatever becomes of
 * that job, and when every job that joined has left (all were cancelled) it cancels the call — aborting the
 * provider request.
 */
export async function providerFlight(input: FlightInput): Promise<FlightResult> {
  const waiting = new Set<string>();
  let joined = 0;
  setHandler(joinFlightSignal, (jobId) => {
    if (!waiting.has(jobId)) joined += 1;
    waiting.add(jobId);
  });
  setHandler(leaveFlightSignal, (jobId) => {
    waiting.delete(jobId);
  });

  if (input.cache.mode !== 'refresh') {
    const hit = await storeSteps.lookupCache({ key: input.cache.key });
    if (hit && !hit.stale) {
      // The leader's own earlier flight paid for this answer (the leader re-joined after a crash): its call.
      const own = hit.value.paidBy?.jobId === input.leaderJobId;
      return {
        leaderJobId: input.leaderJobId,
        response: hit.value,
        usage: hit.value.completion.usage,
        costUsd: own ? (hit.value.paidBy?.costUsd ?? null) : 0,
        providerLatencyMs: 0,
        attempts: [],
        fromCache: !own,
        ...(own ? { charged: true } : {}),
      };
    }
  }

  const chargesItself = patched(Patch.FlightChargesItsCall);
  const callScope = new CancellationScope();
  const chain: Promise<ChainSuccess> = callScope.run(() =>
    callChain(
      input.leaderJobId,
      input.request,
      input.targets,
      input.requestRef ? { requestRef: input.requestRef } : {},
    ),
  );
  if (chargesItself) {
    // Flights started by older jobs are joined without the signal: they never count as abandoned.
    void condition(() => joined > 0 && waiting.size === 0).then(() => callScope.cancel());
  }
  // Abandoned by every job, the call ends in a cancellation, and so does the flight: a job joining late retries
  // and starts a new flight.
  const { call, target, attempts } = await chain;
  const response = { completion: call.completion, providerId: target.providerId, model: target.model };
  const costUsd = costOf(call.completion.usage, target.price);
  const storeAnswer = () =>
    storeSteps.storeCache({
      key: input.cache.key,
      value: chargesItself ? { ...response, paidBy: { jobId: input.leaderJobId, costUsd } } : response,
      ttlSeconds: input.cache.ttlSeconds,
      staleSeconds: input.cache.staleSeconds,
    });
  const result: FlightResult = {
    leaderJobId: input.leaderJobId,
    response,
    usage: call.completion.usage,
    costUsd,
    providerLatencyMs: call.latencyMs,
    attempts,
    fromCache: false,
  };
  if (!chargesItself) {
    await storeAnswer();
    return result;
  }

  // The call was made and paid: charge it before anything else can fail, whatever cancellation says.
  await CancellationScope.nonCancellable(async () => {
    if (costUsd !== null && costUsd > 0) await charge(input.tenantId, costUsd);
    try {
      await storeAnswer();
    } catch {
      // The cache fails open: every waiting job still gets the answer, the next identical request pays again.
    }
  });
  return { ...result, charged: true };
}

/** Books the call's cost, keyed by this run: one idempotent step, so a replay after a crash never charges twice. */
async function charge(tenantId: string, amountUsd: number): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  await settleSteps.chargeBudget({ chargeId: `${workflowId}@${runId}`, tenantId, amountUsd, now: Date.now() });
}
