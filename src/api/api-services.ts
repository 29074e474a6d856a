import type { Config } from '../config';
import { storeOptions } from '../config/store-options';
import { openSharedStores, type SharedStores } from '../stores/open-stores';
import { createTenantRateLimiter, type TenantRateLimiter } from './rate-limits';
import type { ReadinessCheck } from './routes/health';

/** What the API reads directly: the shared stores (fast-path cache, spend, circuits, keys) and the rate limits. */
export interface ApiServices extends SharedStores {
  limiter: TenantRateLimiter;
}

/**
 * The stores `/readyz` checks besides Temporal, by the name it reports: the cache, the ledger, the
 * circuits and key state (all three on COUNTERS_URL) and the rate limiter's store.
 */
export function readinessChecks(services: Omit<ApiServices, 'close'>): Record<string, ReadinessCheck> {
  return {
    cache: () => services.cache.ping(),
    ledger: () => services.ledger.ping(),
    circuits: () => services.circuits.ping(),
    keyState: () => services.keyState.ping(),
    rateLimits: () => services.limiter.ping(),
  };
}

/** Opens the API's stores from the config's store URLs, all in one place; `close()` closes them all. */
export async function createApiServices(config: Config): Promise<ApiServices> {
  const stores = await openSharedStores(storeOptions(config));
  return { ...stores, limiter: createTenantRateLimiter(config.tenants, stores.counters) };
}
