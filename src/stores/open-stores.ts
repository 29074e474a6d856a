import type { ChatRequest } from '../contract/chat';
import type { CachedResponse } from '../contract/job';
import type { ProviderCallResult } from '../contract/provider-call';
import type { Config } from '../config/config';
import type { CircuitStore } from './circuit-store';
import { createBudgetLedger, createCircuitStore, createResponseCache } from './create-stores';
import { createKeyStateStore } from './key-state-store';
import type { KeyStateStore } from './key-state-types';
import { parseStoreUrl } from './store-url';
import type { BudgetLedger, ResponseCacheStore } from './types';

/** Where stored requests live in the cache store, apart from cached responses. */
const REQUESTS_NAMESPACE = 'switchyard:requests';
/** Where provider answers are journaled for activity retries. */
const CALLS_NAMESPACE = 'switchyard:calls';

/** Every store a process shares with the others: the cache on CACHE_URL, the rest on COUNTERS_URL. */
export interface SharedStores {
  cache: ResponseCacheStore<CachedResponse>;
  /** Requests too large for workflow history, stored once by content and fetched by the activities. */
  requests: ResponseCacheStore<ChatRequest>;
  /** Provider answers kept for the retries of the activity that got them (see `CallJournal`). */
  calls: ResponseCacheStore<ProviderCallResult>;
  ledger: BudgetLedger;
  /** Circuit breakers of the providers' models. */
  circuits: CircuitStore;
  /** Cooldowns, outs and per-key counts of the providers' keys. */
  keyState: KeyStateStore;
  close(): Promise<void>;
}

/** Opens the shared stores from the config's store URLs (API and worker processes alike). */
export async function openSharedStores(config: Config): Promise<SharedStores> {
  const cacheUrl = parseStoreUrl('CACHE_URL', config.stores.cacheUrl);
  const cache = await createResponseCache<CachedResponse>(cacheUrl);
  const requests = await createResponseCache<ChatRequest>(cacheUrl, { namespace: REQUESTS_NAMESPACE });
  const calls = await createResponseCache<ProviderCallResult>(cacheUrl, { namespace: CALLS_NAMESPACE });
  const countersUrl = parseStoreUrl('COUNTERS_URL', config.stores.countersUrl);
  const ledger = await createBudgetLedger(countersUrl);
  const circuits = await createCircuitStore(countersUrl, config.circuitBreaker);
  const keyState = await createKeyStateStore(countersUrl);
  return {
    cache,
    requests,
    calls,
    ledger,
    circuits,
    keyState,
    async close() {
      await keyState.close();
      await circuits.close();
      await ledger.close();
      await calls.close();
      await requests.close();
      await cache.close();
    },
  };
}
