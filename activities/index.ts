import type { FlightInput, ProviderCallInput } from '../workflows/shared';
import { awaitFlight, type AwaitFlightDeps } from './await-flight';
import { callProvider, type CallProviderDeps } from './call-provider';
import { createCircuitSteps, guardedCall, type CircuitDeps } from './circuit-guard';
import { createStoreSteps, type StoreStepDeps } from './store-steps';

export type ActivityDeps = CallProviderDeps & StoreStepDeps & AwaitFlightDeps & CircuitDeps;

/**
 * Builds the activities over their dependencies, so each worker process shares one set of provider
 * clients, stores and logger. Workflows proxy the returned object by type only.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    callProvider: (input: ProviderCallInput) => guardedCall(deps, input, (call) => callProvider(deps, call)),
    awaitFlight: (input: FlightInput) => awaitFlight(deps, input),
    ...createStoreSteps(deps),
    ...createCircuitSteps(deps),
  };
}

export { ProviderClients } from './provider-clients';
