import type { Config } from '../config';
import { createBudgetLedger, createCircuitStore, createResponseCache, type CircuitStore } from '../stores';
import { parseStoreUrl } from '../stores/store-url';
import type { BudgetLedger, ResponseCacheStore } from '../stores/types';
import type { CachedResponse } from '../../workflows/shared';
import { createTenantRateLimiter, type TenantRateLimiter } from './rate-limits';
import { createKeyStateStore } from '../stores/key-state-store';
import type { KeyStateStore } from '../stores/key-state-types';

/** The stores the API reads directly: the cache (fast path), the ledger (spend) and the rate limits. */
export interface ApiServices {
  cache: ResponseCacheStore<CachedResponse>;
  ledger: BudgetLedger;
  limiter: TenantRateLimiter;
  circuits: CircuitStore;
  /** Cooldowns and outs of the providers' keys, for the admin endpoints. */
  keyState: KeyStateStore;
  close(): Promise<void>;
}

/** Opens the API's stores from the config's store URLs. */
export async function createApiServices(config: Config): Promise<ApiServices> {
  const cache = await createResponseCache<CachedResponse>(parseStoreUrl('CACHE_URL', config.stores.cacheUrl));
  const countersUrl = parseStoreUrl('COUNTERS_URL', config.stores.countersUrl);
  const ledger = await createBudgetLedger(countersUrl);
  const circuits = await createCircuitStore(countersUrl, config.circuitBreaker);
  const keyState = await createKeyStateStore(countersUrl);
  const limiter = await createTenantRateLimiter(config);
  return {
    cache,
    ledger,
    limiter,
    circuits,
    keyState,
    async close() {
      await keyState.close();
      await circuits.close();
      await limiter.close();
      await ledger.close();
      await cache.close();
    },
  };
}
