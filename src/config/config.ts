import type { ModelPrice } from '../../workflows/shared';
import type { CircuitSettings } from '../stores/circuit-state';
import type { FallbackConfig, ProviderConfig, RouteConfig, TenantConfig } from './schema';

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
  /** Fallbacks of requests whose route has none of its own. */
  fallback: FallbackConfig;
  circuitBreaker: CircuitSettings;
  stores: { cacheUrl: string; countersUrl: string };
  cache: { fastPath: boolean };
  budgets: { defaultMaxTokens: number };
  /** Tenants by id. Without a `tenants` section there is one, `default`, keyed by SWITCHYARD_API_KEY. */
  tenants: Record<string, TenantConfig>;
  /** sha256 hashes of operator keys (config `adminApiKeys` and SWITCHYARD_ADMIN_KEY). */
  adminKeyHashes: string[];
  /** Where the worker serves the Temporal SDK's Prometheus metrics (`host:port`); off when unset. */
  workerMetricsAddress: string | null;
  logLevel: string;
}
