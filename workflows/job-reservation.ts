import { ApplicationFailure } from '@temporalio/workflow';
import type { CircuitAdmission, ReserveOutcome } from '../src/contract/activities';
import { FailureType } from '../src/contract/failure-types';
import type { AiJobInput, CachedResponse, JobTarget } from '../src/contract/job';
import type { ProviderCallInput } from '../src/contract/provider-call';
import { admissionInput } from './call-chain';
import { firstCallSteps, type FirstCall } from './first-call';
import { storeSteps } from './local-activities';
import { overCapText } from './over-cap';
import { Patch, type PatchCheck } from './patches';

/** What a job runs after its reservation: its chain (and what the reserving step already did), or a cached answer. */
export type ReservedPlan =
  | { targets: JobTarget[]; downgraded: boolean; firstAdmission?: CircuitAdmission | boolean; firstCall?: FirstCall }
  | { cached: CachedResponse };

/** Reserves the job's estimate; over a cap, applies the tenant's policy (reject, downgrade or cache-only). */
export async function reserve(input: AiJobInput, reservation: { id: string }, has: PatchCheck): Promise<ReservedPlan> {
  const reserveInput = {
    reservationId: reservation.id,
    tenantId: input.tenantId,
    amountUsd: input.budget.estimateUsd,
    caps: input.budget.caps,
    now: Date.now(),
  };
  // A job that calls its chain itself (no flight) asks its first target's circuit in the same step.
  const first = input.targets[0];
  if (!input.cache && first && has(Patch.ReserveAndAdmit)) {
    const admit = admissionInput(first, true, has);
    // A job whose first target may be called locally makes that call in the same step.
    if (admit.local && has(Patch.ReserveWithCall)) {
      const { reserved, admission, call, callFailure } = await firstCallSteps(first).reserveAndCall({
        reserve: reserveInput,
        admit,
        call: providerCallInput(input, first, reservation),
      });
      if (!reserved.ok) return overCap(input, reservation, reserved);
      const firstCall = call ? { result: call } : callFailure ? { failure: callFailure } : undefined;
      return {
        targets: input.targets,
        downgraded: false,
        ...(admission !== undefined ? { firstAdmission: admission } : {}),
        ...(firstCall ? { firstCall } : {}),
      };
    }
    const { reserved, admission } = await storeSteps.reserveAndAdmit({ reserve: reserveInput, admit });
    if (reserved.ok) return { targets: input.targets, downgraded: false, firstAdmission: admission };
    return overCap(input, reservation, reserved);
  }
  const reserved = await storeSteps.reserveBudget(reserveInput);
  if (reserved.ok) return { targets: input.targets, downgraded: false };
  return overCap(input, reservation, reserved);
}

/** The first target's call as the chain would make it, committing the job's reservation with its answer. */
function providerCallInput(input: AiJobInput, target: JobTarget, reservation: { id: string }): ProviderCallInput {
  return {
    jobId: input.jobId,
    providerId: target.providerId,
    model: target.model,
    request: input.request,
    ...(input.requestRef ? { requestRef: input.requestRef } : {}),
    timeoutMs: target.timeoutMs,
    commit: { reservationId: reservation.id, tenantId: input.tenantId, price: target.price },
    ...(input.stream ? { stream: { id: input.jobId } } : {}),
  };
}

/** Applies the tenant's policy to a job over one of its caps: reject, downgrade or serve from the cache only. */
async function overCap(
  input: AiJobInput,
  reservation: { id: string },
  reserved: Extract<ReserveOutcome, { ok: false }>,
): Promise<ReservedPlan> {
  const over = overCapText(reserved);
  const downgrade = input.budget.downgrade;
  if (input.budget.onExceeded === 'downgrade' && downgrade) {
    reservation.id = `${reservation.id}:downgrade`;
    const retry = await storeSteps.reserveBudget({
      reservationId: reservation.id,
      tenantId: input.tenantId,
      amountUsd: downgrade.estimateUsd,
      caps: input.budget.caps,
      now: Date.now(),
    });
    if (!retry.ok) throw budgetExceeded(`This job would exceed ${over}, even on the cheaper route.`);
    return { targets: downgrade.targets, downgraded: true };
  }
  if (input.budget.onExceeded === 'cache-only') {
    const hit = input.cache ? await storeSteps.lookupCache({ key: input.cache.key }) : null;
    if (hit) return { cached: hit.value };
    throw cacheMiss(`This job would exceed ${over}, and the cache has no answer for it (policy "cache-only").`);
  }
  throw budgetExceeded(`This job would exceed ${over}.`);
}

function budgetExceeded(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.BudgetExceeded, message, nonRetryable: true });
}

export function cacheMiss(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.CacheMiss, message, nonRetryable: true });
}
