import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type {
  FirstCallFailure,
  ReserveAndAdmitInput,
  ReserveAndAdmitOutcome,
  ReserveAndCallInput,
  ReserveAndCallOutcome,
} from '../src/contract/activities';
import { FailureType } from '../src/contract/failure-types';
import type { ProviderCallInput, ProviderCallResult } from '../src/contract/provider-call';

/** The two steps `reserveAndCall` is made of, as the jobs worker registers them. */
export interface ReserveAndCallSteps {
  reserveAndAdmit(input: ReserveAndAdmitInput): Promise<ReserveAndAdmitOutcome>;
  /** The provider call behind its circuit (`createProviderActivities().callProvider`). */
  callProvider(input: ProviderCallInput): Promise<ProviderCallResult>;
}

/**
 * Builds `reserveAndCall`: a job's reservation, its first target's admission and, when that target is admitted
 * to a local call, the call, in one local activity. The call keeps its journal (keyed by this activity), its
 * circuit bookkeeping and its commit of the reservation; only its failure changes form: it is returned, so this
 * step never retries a provider (its retries are the store steps') and the job's chain retries the target.
 */
export function createReserveAndCall(steps: ReserveAndCallSteps) {
  return async function reserveAndCall(input: ReserveAndCallInput): Promise<ReserveAndCallOutcome> {
    const outcome = await steps.reserveAndAdmit(input);
    const admission = outcome.admission;
    if (!outcome.reserved.ok || typeof admission !== 'object' || !admission.admitted || !admission.local) {
      return outcome;
    }
    try {
      return { ...outcome, call: await steps.callProvider(input.call) };
    } catch (err) {
      // A cancelled job ends as cancelled, as a cancelled call would end it.
      if (Context.current().cancellationSignal.aborted) throw err;
      return { ...outcome, callFailure: firstCallFailure(err) };
    }
  };
}

function firstCallFailure(err: unknown): FirstCallFailure {
  if (err instanceof ApplicationFailure) {
    const retryDelayMs = err.nextRetryDelay != null ? msToNumber(err.nextRetryDelay) : undefined;
    return {
      type: err.type ?? FailureType.ServerError,
      message: err.message,
      nonRetryable: err.nonRetryable === true,
      ...(retryDelayMs !== undefined ? { retryDelayMs } : {}),
    };
  }
  return {
    type: FailureType.ServerError,
    message: err instanceof Error ? err.message : String(err),
    nonRetryable: false,
  };
}
