import { parseStoreUrl, type StoreUrl } from '../contract/store-url';
import type { Config } from './config';
import type { CircuitBreakerConfig } from './schema';

/** Where the shared stores live and their settings, as the processes that open them need it. */
export interface StoreOptions {
  cacheUrl: StoreUrl;
  countersUrl: StoreUrl;
  circuits: CircuitBreakerConfig;
}

/**
 * The config's store URLs parsed, and the stores' settings. The URLs were validated when the config was
 * loaded; parsing again names the variable should a config built in code hold a bad one.
 */
export function storeOptions(config: Config): StoreOptions {
  return {
    cacheUrl: parseStoreUrl('CACHE_URL', config.stores.cacheUrl),
    countersUrl: parseStoreUrl('COUNTERS_URL', config.stores.countersUrl),
    circuits: config.circuitBreaker,
  };
}
