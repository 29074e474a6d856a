import type { Config } from '../config';
import { openSharedStores, type SharedStores } from '../stores/open-stores';
import { createTenantRateLimiter, type TenantRateLimiter } from './rate-limits';

/** What the API reads directly: the shared stores (fast-path cache, spend, circuits, keys) and the rate limits. */
export interface ApiServices extends SharedStores {
  limiter: TenantRateLimiter;
}

/** Opens the API's stores from the config's store URLs. */
export async function createApiServices(config: Config): Promise<ApiServices> {
  const stores = await openSharedStores(config);
  const limiter = await createTenantRateLimiter(config);
  return {
    ...stores,
    limiter,
    async close() {
      await limiter.close();
      await stores.close();
    },
  };
}
