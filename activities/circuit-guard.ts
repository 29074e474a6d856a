import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CircuitStore } from '../src/stores/circuit-store';
import { FailureType } from '../workflows/failure-types';
import type { ProviderCallInput, ProviderCallResult } from '../workflows/shared';

/** Failures that say the provider is unhealthy; the caller's own errors and rate limits do not count. */
const UNHEALTHY: readonly string[] = [
  FailureType.ServerError,
  FailureType.Overloaded,
  FailureType.Timeout,
  FailureType.MalformedResponse,
];

export interface CircuitDeps {
  circuits: CircuitStore;
}

/** The circuit of one provider model. */
export function circuitKey(providerId: string, model: string): string {
  return `${providerId}:${model}`;
}

/**
 * Wraps a provider call with its circuit: a retry finds the circuit open (other jobs' failures opened it)
 * and stops at once instead of hammering a failing provider; every outcome is recorded for all workers.
 */
export async function guardedCall(
  deps: CircuitDeps,
  input: ProviderCallInput,
  call: (input: ProviderCallInput) => Promise<ProviderCallResult>,
): Promise<ProviderCallResult> {
  const key = circuitKey(input.providerId, input.model);
  if (Context.current().info.attempt > 1 && (await deps.circuits.isOpen(key, Date.now()))) {
    throw ApplicationFailure.create({
      type: FailureType.CircuitOpen,
      message: `The circuit of ${key} is open: skipped`,
      nonRetryable: true,
      details: [{ attempt: Context.current().info.attempt }],
    });
  }
  try {
    const result = await call(input);
    await deps.circuits.record(key, true, Date.now());
    return result;
  } catch (err) {
    if (err instanceof ApplicationFailure && UNHEALTHY.includes(err.type ?? '')) {
      await deps.circuits.record(key, false, Date.now());
    }
    throw err;
  }
}

/** The workflow asks before each target: an open circuit is skipped without spending the target's attempts. */
export function createCircuitSteps({ circuits }: CircuitDeps) {
  return {
    admitCircuit: ({ providerId, model }: { providerId: string; model: string }): Promise<boolean> =>
      circuits.admit(circuitKey(providerId, model), Date.now()),
  };
}
