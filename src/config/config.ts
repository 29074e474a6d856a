import type { ModelPrice } from '../contract/job';
import type { PayloadKey } from '../codec/payload-keys';
import type { StreamingConfig } from './streaming-schema';
import type {
  AdmissionSettings,
  BatchingConfig,
  BatchJobsConfig,
  CapabilityOverrides,
  CircuitBreakerConfig,
  FallbackConfig,
  ProviderConfig,
  RouteConfig,
  TenantConfig,
} from './schema';

/** A model alias resolved to a provider and price. */
export interface ResolvedModel {
  provider: string;
  model: string;
  price: ModelPrice;
  /** Input tokens one image may cost at most, when the table gives a bound. */
  imageTokens?: number;
  capabilities?: CapabilityOverrides;
  /** Set for embedding models, which only the embeddings endpoint uses. */
  kind?: 'embedding';
}

/** The API's admission limits, every one set. */
export type AdmissionConfig = Required<AdmissionSettings>;

/** The validated configuration every process runs with. */
export interface Config {
  api: {
    port: number;
    /** Interface to listen on; unset, each entry point chooses (see `startApi` and `npm start`). */
    host?: string;
    bodyLimit: string;
    syncTimeoutSeconds: number;
    /** Deadline of each call to Temporal that answers a request (start, describe, cancel), in ms. */
    temporalDeadlineMs: number;
    admission: AdmissionConfig;
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
  circuitBreaker: CircuitBreakerConfig;
  stores: { cacheUrl: string; countersUrl: string };
  cache: { fastPath: boolean };
  budgets: {
    /** Output limit sent with a request that has no max_tokens, and assumed by its cost estimate. */
    defaultMaxTokens: number;
    /** Worst-case price of models without one, for capped tenants; null refuses them such models. */
    unpricedModelPrice: ModelPrice | null;
  };
  /** Tenants by id. Without a `tenants` section there is one, `default`, keyed by SWITCHYARD_API_KEY. */
  tenants: Record<string, TenantConfig>;
  /** sha256 hashes of operator keys (config `adminApiKeys` and SWITCHYARD_ADMIN_KEY). */
  adminKeyHashes: string[];
  /** Where the worker serves the Temporal SDK's Prometheus metrics (`host:port`); off when unset. */
  workerMetricsAddress: string | null;
  /** Encryption of workflow payloads at rest in Temporal (SWITCHYARD_PAYLOAD_KEYS); off when `keys` is empty. */
  payloadEncryption: {
    /** The first key encrypts; every key decrypts. */
    keys: PayloadKey[];
    /** Origins of the Temporal Web UIs allowed to call the codec endpoint (SWITCHYARD_CODEC_CORS_ORIGINS). */
    codecCorsOrigins: string[];
  };
  logLevel: string;
  logging: {
    /** Provider-call lines carry the request messages and the completion (config `logging.payloads`, LOG_PAYLOADS). */
    payloads: boolean;
  };
  /** Micro-batching of embeddings requests. */
  batching: BatchingConfig;
  /** Batch jobs on the providers' Batch APIs. */
  batchJobs: BatchJobsConfig;
  /** Streamed answers. */
  streaming: StreamingConfig;
}
