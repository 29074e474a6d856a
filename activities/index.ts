import type { ProviderCallInput } from '../workflows/shared';
import { callProvider, type CallProviderDeps } from './call-provider';

export type ActivityDeps = CallProviderDeps;

/**
 * Builds the activities over their dependencies, so each worker process shares one set of provider
 * clients and one logger. Workflows proxy the returned object by type only.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    callProvider: (input: ProviderCallInput) => callProvider(deps, input),
  };
}

export { ProviderClients } from './provider-clients';
