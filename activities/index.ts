import type { JobActivities, ProviderActivities, StoreSteps } from '../src/contract/activities';
import { awaitFlight, type AwaitFlightDeps } from './await-flight';
import { callProvider, type CallProviderDeps } from './call-provider';
import { createCircuitSteps, guardedCall, type CircuitDeps } from './circuit-guard';
import { createStoreSteps, type StoreStepDeps } from './store-steps';
import { embedTexts, type EmbedTextsDeps } from './embed-texts';
import { createBatchCalls, type ProviderBatchDeps } from './provider-batch-calls';
import type { LocalCallPolicy } from './local-call-policy';

/** What the jobs queue's activities need: the stores, and the client that starts flights. */
export type JobActivityDeps = StoreStepDeps &
  AwaitFlightDeps &
  Pick<CircuitDeps, 'circuits' | 'circuitModels'> & {
    /** Decides which provider calls run locally; without it, every call goes through its queue. */
    localCalls?: LocalCallPolicy;
  };

/** What a provider queue's activities need: the provider clients, key pools, journals, circuits and cache. */
export type ProviderActivityDeps = CallProviderDeps &
  CircuitDeps & {
    embeddingJournal: EmbedTextsDeps['journal'];
    embeddings: EmbedTextsDeps['embeddings'];
    batches: Omit<ProviderBatchDeps, 'clients' | 'keyPools' | 'logger'>;
  };

/**
 * The jobs worker's activities: the store steps its workflows run as local activities, and the wait on a
 * coalescing flight. Built once per process over shared stores.
 */
export function createJobActivities(deps: JobActivityDeps): StoreSteps & JobActivities {
  const store = createStoreSteps(deps);
  const circuit = createCircuitSteps(deps);
  return {
    awaitFlight: (input) => awaitFlight(deps, input),
    ...store,
    ...circuit,
    async reserveAndAdmit({ reserve, admit }) {
      const reserved = await store.reserveBudget(reserve);
      return reserved.ok ? { reserved, admission: await circuit.admitCircuit(admit) } : { reserved };
    },
    async reserveEach({ reservations }) {
      const outcomes = [];
      for (const reservation of reservations) outcomes.push(await store.reserveBudget(reservation));
      return outcomes;
    },
    async settleEach({ commits, releases }) {
      for (const commit of commits) await store.commitBudget(commit);
      for (const reservationId of releases) await store.releaseBudget({ reservationId });
    },
  };
}

/** A provider worker's activities: the calls themselves, behind the target's circuit. */
export function createProviderActivities(deps: ProviderActivityDeps): ProviderActivities {
  return {
    callProvider: (input) => guardedCall(deps, input, (call) => callProvider(deps, call)),
    embedTexts: (input) =>
      guardedCall(deps, input, (call) =>
        embedTexts({ ...deps, journal: deps.embeddingJournal, embeddings: deps.embeddings }, call),
      ),
    ...createBatchCalls({ ...deps.batches, clients: deps.clients, keyPools: deps.keyPools, logger: deps.logger }),
  };
}

export { ProviderClients } from './provider-clients';
export { createReserveAndCall } from './reserve-and-call';
