import type { ModelPrice } from '../../workflows/shared';
import type { ProviderConfig, RouteConfig } from './schema';

/** A model alias resolved to a provider and price. */
export interface ResolvedModel {
  provider: string;
  model: string;
  price: ModelPrice;
}

/** The validated configuration every process runs with. */
export interface Config {
  api: {
    port: number;
    /** Bearer key guarding the API; null only when the caller chose to run without one. */
    apiKey: string | null;
    bodyLimit: string;
    syncTimeoutSeconds: number;
  };
  temporal: {
    address: string;
    namespace: string;
    /** Prefix of every task queue: `<prefix>-jobs`, `<prefix>-provider-<id>`. */
    taskQueuePrefix: string;
  };
  providers: Record<string, ProviderConfig>;
  models: Record<string, ResolvedModel>;
  routes: Record<string, RouteConfig>;
  defaultRoute: string | null;
  logLevel: string;
}
