import type { CachedResponse } from '../../workflows/shared';
import type { Config } from '../config/config';
import type { CircuitStore } from './circuit-store';
import { createBudgetLedger, createCircuitStore, createResponseCache } from './create-stores';
import { createKeyStateStore } from './key-state-store';
import type { KeyStateStore } from './key-state-types';
import { parseStoreUrl } from './store-url';
import type { BudgetLedger, ResponseCacheStore } from './types';

/** Every store a process shares with the others: the cache on CACHE_URL, the rest on COUNTERS_URL. */
export interface SharedStores {
  cache: ResponseCacheStore<CachedResponse>;
  ledger: BudgetLedger;
  /** Circuit breakers of the providers' models. */
  circuits: CircuitStore;
  /** Cooldowns, outs and per-key counts of the providers' keys. */
  keyState: KeyStateStore;
  close(): Promise<void>;
}

/** Opens the shared stores from the config's store URLs (API and worker processes alike). */
export async function openSharedStores(config: Config): Promise<SharedStores> {
  const cache = await createResponseCache<CachedResponse>(parseStoreUrl('CACHE_URL', config.stores.cacheUrl));
  const countersUrl = parseStoreUrl('COUNTERS_URL', config.stores.countersUrl);
  const ledger = await createBudgetLedger(countersUrl);
  const circuits = await createCircuitStore(countersUrl, config.circuitBreaker);
  const keyState = await createKeyStateStore(countersUrl);
  return {
    cache,
    ledger,
    circuits,
    keyState,
    async close() {
      await keyState.close();
      await circuits.close();
      await ledger.close();
      await cache.close();
    },
  };
}
