import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CircuitStore } from '../src/stores/circuits/contract';
import { guardStore } from '../src/stores/shared/store-unavailable';
import { FailureType } from '../src/contract/failure-types';
import type { ProviderCallInput } from '../src/contract/provider-call';
import type { AdmitCircuitInput, CircuitAdmission } from '../src/contract/activities';
import type { LocalCallPolicy } from './local-call-policy';

/** Failures that say the provider is unhealthy; the caller's own errors and rate limits do not count. */
const UNHEALTHY: readonly string[] = [
  FailureType.ServerError,
  FailureType.Overloaded,
  FailureType.Timeout,
  FailureType.MalformedResponse,
];

/** The part of a pino logger the circuit guard uses. */
export interface CircuitLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface CircuitDeps {
  circuits: CircuitStore;
  /**
   * `provider:model` of every configured model (the config's `models` and the catalogue's): each has its
   * own circuit. See {@link circuitKey}.
   */
  circuitModels: ReadonlySet<string>;
  logger: CircuitLogger;
}

/**
 * The circuit of one provider model: its own for a configured model, else the provider's shared `provider:*`.
 * Requests may name any `provider:model`; a circuit per name would let clients grow the table without bound.
 */
export function circuitKey(circuitModels: ReadonlySet<string>, providerId: string, model: string): string {
  const own = `${providerId}:${model}`;
  return circuitModels.has(own) ? own : `${providerId}:*`;
}

/** The `provider:model` names that get a circuit of their own, from the config's resolved models. */
export function configuredCircuitModels(models: Record<string, { provider: string; model: string }>): Set<string> {
  return new Set(Object.values(models).map((entry) => `${entry.provider}:${entry.model}`));
}

/**
 * Wraps a provider call with its circuit: a retry finds the circuit open (other jobs' failures opened it)
 * and stops at once instead of hammering a failing provider; every outcome is recorded for all workers.
 *
 * Recording is bookkeeping and never fails the activity: once the provider has answered it has been paid,
 * and a failed activity would be retried by Temporal — a second paid call. A store error before the call
 * (reading the circuit) fails the attempt instead, retryable, since nothing has been spent yet.
 */
export async function guardedCall<
  I extends Pick<ProviderCallInput, 'providerId' | 'model' | 'priorAttempts'> & { jobId?: string; batchId?: string },
  R,
>(deps: CircuitDeps, input: I, call: (input: I) => Promise<R>): Promise<R> {
  const key = circuitKey(deps.circuitModels, input.providerId, input.model);
  const attempt = Context.current().info.attempt + (input.priorAttempts ?? 0);
  if (attempt > 1 && (await isOpen(deps.circuits, key))) {
    throw ApplicationFailure.create({
      type: FailureType.CircuitOpen,
      message: `The circuit of ${key} is open: skipped`,
      nonRetryable: true,
      details: [{ attempt }],
    });
  }
  let result: R;
  try {
    result = await call(input);
  } catch (err) {
    // A call cut short by our own cancellation or shutdown says nothing about the provider's health: counting
    // it would let a restart inherit a circuit that the shutdown opened.
    const ours = Context.current().cancellationSignal.aborted;
    if (!ours && err instanceof ApplicationFailure && UNHEALTHY.includes(err.type ?? '')) {
      await recordQuietly(deps, key, false, input);
    }
    throw err;
  }
  await recordQuietly(deps, key, true, input);
  return result;
}

/** A store outage here fails the attempt as a plain (retryable) error naming the store: nothing is spent yet. */
function isOpen(circuits: CircuitStore, key: string): Promise<boolean> {
  return guardStore('circuits', () => circuits.isOpen(key, Date.now()));
}

/** Records an outcome; a store that cannot take it is logged, and the call's own outcome stands. */
async function recordQuietly(
  deps: CircuitDeps,
  key: string,
  ok: boolean,
  input: Pick<ProviderCallInput, 'providerId'> & { jobId?: string; batchId?: string },
): Promise<void> {
  try {
    await deps.circuits.record(key, ok, Date.now());
  } catch (err) {
    deps.logger.warn(
      { err, circuit: key, ok, jobId: input.jobId ?? input.batchId },
      'circuit outcome not recorded: the circuits store is unavailable',
    );
  }
}

/**
 * The workflow asks before each target: an open circuit is skipped without spending the target's attempts, and
 * a target that may be called locally learns whether it should be (see `LocalCallPolicy`).
 */
export function createCircuitSteps({
  circuits,
  circuitModels,
  localCalls,
}: CircuitDeps & { localCalls?: LocalCallPolicy }) {
  return {
    async admitCircuit({ providerId, model, local }: AdmitCircuitInput): Promise<CircuitAdmission> {
      const admitted = await circuits.admit(circuitKey(circuitModels, providerId, model), Date.now());
      return { admitted, local: admitted && local === true && (localCalls?.choose(providerId) ?? false) };
    },
  };
}
