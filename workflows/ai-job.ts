import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CircuitAdmission, JobActivities } from '../src/contract/activities';
import { callChain } from './call-chain';
import { costOf } from '../src/contract/cost';
import { FailureType } from '../src/contract/failure-types';
import { DEGRADABLE_FAILURES, ruleAnswer, syntheticCompletion } from './fallback';
import { settleSteps, storeSteps } from './local-activities';
import { jobPatches, Patch, type PatchCheck } from './patches';
import type { FirstCall } from './first-call';
import { cacheMiss, reserve } from './job-reservation';
import { finish, fromCache, recordOutcome, type Outcome } from './job-outcome';
import { flightWorkflowId } from '../src/contract/flight';
import { asFinalFailure } from '../src/contract/final-failure';
import { leaveFlightSignal, statusQuery } from './messages';
import { failureTypeOf } from './provider-failures';
import type { AiJobInput, AiJobResult, JobStatus, JobTarget } from '../src/contract/job';

/** Waiting on a shared flight: long, but the heartbeat notices a dead worker within seconds. */
const flights = proxyActivities<JobActivities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '5s', nonRetryableErrorTypes: Object.values(FailureType) },
});

/**
 * The job workflow: cache → budget → call (alone, or through a flight shared with identical requests)
 * → commit the real cost. The budget is a saga: the reservation is committed on success and released
 * on failure or cancellation, so it never leaks. The job id is the workflow id.
 */
export async function aiJob(input: AiJobInput): Promise<AiJobResult> {
  const status: JobStatus = { phase: 'queued', attempts: [] };
  setHandler(statusQuery, () => status);

  const has = jobPatches();
  // Keyed by the run: a job id reused after its workflow left retention (an Idempotency-Key) gets a new row.
  const perRun = has(Patch.ReservationPerRun);
  const reservation = { id: perRun ? `${input.jobId}@${workflowInfo().runId}` : input.jobId };

  try {
    // 1. A fresh cache hit answers at once and costs nothing.
    if (input.cache && input.cache.mode !== 'refresh') {
      const hit = await storeSteps.lookupCache({ key: input.cache.key });
      if (hit && !hit.stale) {
        // A worker that died before recording its steps may have reserved after a miss that now is a hit:
        // that reservation must not outlive the run (releasing an unknown one is a no-op).
        if (perRun) await settleSteps.releaseBudget({ reservationId: reservation.id });
        return finish(input, status, fromCache(hit.value, input.jobId), false, has);
      }
      if (input.cache.mode === 'only') throw cacheMiss('the cache has no answer for this request (cache mode "only")');
    }

    // 2–3. Reserve the worst-case cost, call, settle: a saga whose compensation runs however the job ends.
    let settled = false;
    try {
      const plan = await reserve(input, reservation, has);
      if ('cached' in plan) return finish(input, status, fromCache(plan.cached), false, has);
      let outcome: Outcome;
      try {
        outcome = await call(input, plan.targets, status, plan, reservation, has);
      } catch (err) {
        const degraded = await degrade(input, err);
        if (!degraded) throw err;
        outcome = degraded;
      }
      if (!outcome.committed) {
        await CancellationScope.nonCancellable(() =>
          settleSteps.commitBudget({
            reservationId: reservation.id,
            actualUsd: outcome.chargedUsd ?? 0,
            tenantId: input.tenantId,
          }),
        );
      }
      settled = true;
      return finish(input, status, outcome, plan.downgraded, has);
    } catch (err) {
      // Also after a cancellation that hit the reservation itself: it may have been written already.
      if (!settled) {
        await CancellationScope.nonCancellable(() => settleSteps.releaseBudget({ reservationId: reservation.id }));
      }
      throw err;
    }
  } catch (err) {
    // Queries are not recorded in history, so what the status query answers may change without a patch.
    const outcome = isCancellation(err) ? 'cancelled' : 'failed';
    status.phase = outcome;
    // Asked only on the failed path, so a job that completes records no marker for it.
    const failureType = outcome === 'failed' && has(Patch.FailureTypeAttribute) ? failureTypeOf(err) : undefined;
    recordOutcome(outcome, status.providerId, null, false, false, failureType ? { failureType } : {});
    throw err;
  }
}

async function call(
  input: AiJobInput,
  targets: JobTarget[],
  status: JobStatus,
  {
    downgraded,
    firstAdmission,
    firstCall,
  }: { downgraded: boolean; firstAdmission?: CircuitAdmission | boolean; firstCall?: FirstCall },
  reservation: { id: string },
  has: PatchCheck,
): Promise<Outcome> {
  status.phase = 'calling_provider';
  const onTarget = (target: JobTarget) => {
    status.providerId = target.providerId;
    status.model = target.model;
  };
  // A downgraded job answers from a cheaper model: it must neither share a flight with full-price requests
  // nor leave its answer in their cache entry.
  if (input.cache && !downgraded) {
    const first = targets[0];
    if (first) onTarget(first);
    let flight;
    try {
      flight = await flights.awaitFlight({
        leaderJobId: input.jobId,
        tenantId: input.tenantId,
        request: input.request,
        ...(input.requestRef ? { requestRef: input.requestRef } : {}),
        targets,
        cache: input.cache,
      });
    } catch (err) {
      if (isCancellation(err) && has(Patch.FlightLeaveOnCancel)) await leaveFlight(input.cache.key, input.jobId);
      // The flight's own failure (e.g. every target failed) becomes this job's failure, type and attempts included.
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw asFinalFailure(err.cause);
      throw err;
    }
    // A job whose worker died while it waited may re-join after its flight ended and find another job's flight
    // answering from the entry its own flight paid for: that call is still this job's, and already charged.
    if (flight.fromCache && flight.response.paidBy?.jobId === input.jobId && has(Patch.OwnPaidFlightAnswer)) {
      return fromCache(flight.response, input.jobId);
    }
    const leader = flight.leaderJobId === input.jobId && !flight.fromCache;
    status.attempts.push(...flight.attempts);
    return {
      response: flight.response,
      usage: flight.usage,
      // A flight that charged its own call has been paid for; an older flight left that to its leader.
      chargedUsd: leader && !flight.charged ? flight.costUsd : 0,
      costUsd: leader ? flight.costUsd : 0,
      providerLatencyMs: flight.providerLatencyMs,
      attempts: flight.attempts,
      cacheHit: flight.fromCache,
      coalesced: !leader && !flight.fromCache,
    };
  }
  const {
    call: result,
    target,
    attempts,
  } = await callChain(input.jobId, input.request, targets, {
    onTarget,
    ...(input.requestRef ? { requestRef: input.requestRef } : {}),
    allowLocalCalls: true,
    ...(firstAdmission !== undefined ? { firstAdmission } : {}),
    ...(firstCall ? { firstCall } : {}),
    ...(input.stream ? { stream: { id: input.jobId } } : {}),
    patches: has,
    ...(has(Patch.CommitWithCall) ? { commit: { reservationId: reservation.id, tenantId: input.tenantId } } : {}),
  });
  status.attempts.push(...attempts);
  const cost = costOf(result.completion.usage, target.price);
  return {
    response: { completion: result.completion, providerId: target.providerId, model: target.model },
    usage: result.completion.usage,
    chargedUsd: cost,
    ...(result.committed ? { committed: true } : {}),
    costUsd: cost,
    providerLatencyMs: result.latencyMs,
    attempts,
    cacheHit: false,
    coalesced: false,
  };
}

/**
 * The fallbacks after a failed chain, in order: a stale cache entry, a rule-based answer, the route's
 * friendly message. Null when none applies (or the failure is the caller's), so the failure stands.
 */
async function degrade(input: AiJobInput, err: unknown): Promise<Outcome | null> {
  if (isCancellation(err) || !(err instanceof ApplicationFailure) || !DEGRADABLE_FAILURES.includes(err.type ?? '')) {
    return null;
  }
  const failure = { failureType: err.type ?? FailureType.ServerError, failureMessage: err.message };
  const attempts = (err.details?.[0] as AiJobResult['attempts'] | undefined) ?? [];
  const plan = input.fallback;
  const synthetic = (content: string, reason: 'rule' | 'message'): Outcome => ({
    response: {
      completion: syntheticCompletion(`degraded-${input.jobId}`, input.request, content, Date.now()),
      providerId: 'switchyard',
      model: `fallback:${reason}`,
    },
    usage: { prompt_tokens: 0, completion_tokens: 0 },
    chargedUsd: 0,
    costUsd: 0,
    providerLatencyMs: 0,
    attempts,
    cacheHit: false,
    coalesced: false,
    degradation: { reason, ...failure },
  });

  if (plan.staleCache && input.cache) {
    const entry = await storeSteps.lookupCache({ key: input.cache.key });
    if (entry) {
      return {
        ...fromCache(entry.value),
        attempts,
        cacheHit: true,
        degradation: { reason: 'stale_cache', ...failure },
      };
    }
  }
  const rule = ruleAnswer(plan, input.request);
  if (rule !== null) return synthetic(rule, 'rule');
  if (plan.message && plan.onExhausted === 'degrade') return synthetic(plan.message, 'message');
  return null;
}

/**
 * Tells the flight this job no longer waits for it, so a flight every job left cancels its call. Best effort:
 * the flight may have ended already, and then there is nothing to leave.
 */
async function leaveFlight(cacheKey: string, jobId: string): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    try {
      await getExternalWorkflowHandle(flightWorkflowId(cacheKey)).signal(leaveFlightSignal, jobId);
    } catch {
      // The flight already ended.
    }
  });
}
