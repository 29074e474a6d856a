import { z } from 'zod';
import { batchingSchema, batchJobsSchema } from './batched-work-schema';
import { streamingSchema } from './streaming-schema';
import { CAPABILITIES, type Capability } from '../contract/capabilities';
import { PROVIDER_TYPES } from '../contract/chat';
import { fallbackSchema, routeSchema } from './route-schema';

/** A host name or IP address to listen on (api.host, HOST). */
export const HOST_PATTERN = /^[A-Za-z0-9.:-]{1,253}$/;
export const HOST_MESSAGE = 'use a host name or IP address, e.g. 127.0.0.1 or 0.0.0.0';
const identifier = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lowercase letters, digits, "-" and "_" (at most 63 characters)');

/**
 * One key of a provider's pool. Workflows carry only aliases; the worker reads the secret from the named
 * variable and picks a key of the pool for each call, skipping keys that are cooling down after a 429,
 * out of quota, or at their own limits below.
 */
export const providerKeySchema = z.strictObject({
  alias: identifier,
  /** Environment variable holding the secret. */
  env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'name an environment variable, e.g. OPENAI_API_KEY'),
  /**
   * Share of the provider's calls this key gets, relative to the other keys' weights.
   * @default 1
   */
  weight: z.number().positive('a weight must be greater than 0').max(1_000_000).default(1),
  /** The key's own request limit per minute (all workers together); the provider's limit for the key, or lower. */
  requestsPerMinute: z.number().int().positive().optional(),
  /** The key's own token limit per minute (input estimate + max_tokens, all workers together). */
  tokensPerMinute: z.number().int().positive().optional(),
  /**
   * How long the key is left out after the provider reports its quota or credit exhausted; until the
   * next UTC midnight when omitted.
   */
  quotaCooldownSeconds: z.number().int().positive().max(31_536_000).optional(),
});

const providerKeysSchema = z
  .array(providerKeySchema)
  .min(1, 'list at least one key, e.g. [{ alias: main, env: OPENAI_API_KEY }]')
  .superRefine((keys, ctx) => {
    const aliases = new Set<string>();
    const envs = new Map<string, string>();
    keys.forEach((key, index) => {
      if (aliases.has(key.alias)) {
        ctx.addIssue({ code: 'custom', path: [index, 'alias'], message: `alias "${key.alias}" is listed twice` });
      }
      aliases.add(key.alias);
      // Two aliases of one secret would double its limits: the provider counts them as one key.
      const owner = envs.get(key.env);
      if (owner !== undefined) {
        ctx.addIssue({ code: 'custom', path: [index, 'env'], message: `${key.env} is already the key "${owner}"` });
      }
      envs.set(key.env, key.alias);
    });
  });

/**
 * A worst-case price, in US dollars per million tokens, for models that have no price of their own: what a
 * capped tenant's jobs on such a model are reserved and charged at. Set it at least as high as the dearest
 * model the provider might serve under an unlisted name.
 */
export const unpricedModelPriceSchema = z.strictObject({
  inputUsdPerMTok: z.number().positive('a worst-case price must be greater than 0'),
  outputUsdPerMTok: z.number().positive('a worst-case price must be greater than 0'),
});

/**
 * Capability overrides (`providers.<id>.capabilities`, `models.<name>.capabilities`): false for a model or
 * server that lacks one its provider type has, true for one that has an extra; unset ones keep the default.
 */
export const capabilityOverridesSchema = z.strictObject(
  Object.fromEntries(CAPABILITIES.map((c) => [c, z.boolean().optional()])) as Record<
    Capability,
    z.ZodOptional<z.ZodBoolean>
  >,
);

export const providerSchema = z
  .strictObject({
    type: z.enum(PROVIDER_TYPES),
    /** The provider's API base; the SDK's default when omitted. */
    baseUrl: z.url({ message: 'must be an absolute URL, e.g. https://api.openai.com/v1' }).optional(),
    /** The provider's key pool; calls are spread over the keys by weight. */
    keys: providerKeysSchema,
    /** Per-attempt timeout of one call. */
    timeoutMs: z.number().int().positive().max(600_000).default(60_000),
    /** Server-enforced rate of calls for the whole provider task queue (all workers together). */
    maxCallsPerSecond: z.number().positive().optional(),
    /**
     * Where calls run: `local` in the job's own worker (fewer server round trips), `queue` on the provider's task
     * queue. Default: `queue` when `maxCallsPerSecond` is set (the server enforces it there), else `local`.
     */
    calls: z.enum(['local', 'queue']).optional(),
    /** Calls one worker process runs at once for this provider. */
    maxConcurrentCalls: z.number().int().positive().default(200),
    /** Price of this provider's models that have none (`provider:model`); overrides `budgets.unpricedModelPrice`. */
    unpricedModelPrice: unpricedModelPriceSchema.optional(),
    /** What this provider's models support, where it differs from the defaults of its type. */
    capabilities: capabilityOverridesSchema.optional(),
  })
  .refine((provider) => provider.calls !== 'local' || provider.maxCallsPerSecond === undefined, {
    path: ['calls'],
    message:
      'must be "queue" (or unset) when maxCallsPerSecond is set: only the provider\'s task queue can enforce that rate',
  });

export const modelSchema = z.strictObject({
  /** Provider id (a key of `providers`). */
  provider: identifier,
  /** The provider's model name; the alias itself when omitted. */
  model: z.string().min(1).optional(),
  inputUsdPerMTok: z.number().nonnegative(),
  outputUsdPerMTok: z.number().nonnegative(),
  /** Price of prompt tokens served from the provider's prompt cache; the input price when unset. */
  cachedInputUsdPerMTok: z.number().nonnegative().optional(),
  /** Price of reasoning (thinking) tokens; the output price when unset. */
  reasoningOutputUsdPerMTok: z.number().nonnegative().optional(),
  /** Input tokens one image may cost at most; a bound by model family when unset. */
  imageTokens: z.number().int().positive().max(1_000_000).optional(),
  /** What this model supports, where it differs from its provider's. */
  capabilities: capabilityOverridesSchema.optional(),
  /** `embedding` for models of the embeddings endpoint (priced by input only); chat by default. */
  kind: z.enum(['chat', 'embedding']).optional(),
});

export const cacheModes = ['default', 'bypass', 'refresh', 'only'] as const;

/** How a tenant's requests use the response cache. */
export const tenantCacheSchema = z.strictObject({
  /** `default` reads and writes; `bypass` neither; `refresh` writes only; `only` answers from the cache or fails. */
  mode: z.enum(cacheModes).default('default'),
  ttlSeconds: z.number().int().min(0).max(31_536_000).default(3_600),
  /** How long an expired entry is kept as stale, for degraded answers when every provider fails. */
  staleSeconds: z.number().int().min(0).max(31_536_000).default(86_400),
  /** Cache requests with temperature > 0 (or unset) too; by default only deterministic requests are cached. */
  cacheNonDeterministic: z.boolean().default(false),
  /** Share entries with other tenants that also opt in. */
  shareAcrossTenants: z.boolean().default(false),
});

const sha256Key = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'store API keys as "sha256:<hex digest>" (printf %s "$KEY" | sha256sum)');

export const tenantSchema = z.strictObject({
  apiKeys: z.array(sha256Key).min(1, 'a tenant needs at least one API key hash'),
  limits: z
    .strictObject({
      requestsPerMinute: z.number().int().positive().optional(),
      tokensPerMinute: z.number().int().positive().optional(),
    })
    .default({}),
  budget: z
    .strictObject({
      dailyUsd: z.number().positive('a cap must be greater than 0').optional(),
      monthlyUsd: z.number().positive('a cap must be greater than 0').optional(),
      /** What happens to a request that would exceed a cap. */
      onExceeded: z.enum(['reject', 'downgrade', 'cache-only']).default('reject'),
      /** The cheaper route `downgrade` switches to. */
      downgradeRoute: identifier.optional(),
    })
    .refine((b) => b.onExceeded !== 'downgrade' || b.downgradeRoute !== undefined, {
      message: 'onExceeded "downgrade" needs a downgradeRoute',
      path: ['downgradeRoute'],
    })
    .default({ onExceeded: 'reject' }),
  cache: tenantCacheSchema.default(tenantCacheSchema.parse({})),
});

/** When a provider/model's circuit opens, and for how long. Shared by every worker through the counters store. */
export const circuitBreakerSchema = z.strictObject({
  failureRatio: z.number().gt(0).max(1).default(0.5),
  minRequests: z.number().int().positive().default(10),
  consecutiveFailures: z.number().int().positive().default(5),
  windowSeconds: z.number().int().positive().default(30),
  openSeconds: z.number().int().positive().default(30),
  probeSeconds: z.number().int().positive().default(30),
});

/** How many requests the API lets at Temporal at once, and how long the rest may wait (see README, Overload). */
export const admissionSchema = z.strictObject({
  /** Workflow starts in flight at once; more wait in the queue (a start takes 5–20 ms: 4 admit hundreds a second). */
  maxConcurrentStarts: z.number().int().positive().max(10_000).default(4),
  /** Synchronous chat completions between admission and result; bounds memory, as they mostly wait on providers. */
  maxSyncJobs: z.number().int().positive().max(1_000_000).default(1_000),
  /** Synchronous jobs busy in Temporal at once, not counting those taken to wait on a provider (README, Overload). */
  maxActiveJobs: z.number().int().positive().max(1_000_000).default(16),
  /** Requests waiting for a slot, per kind; past it a request is refused at once (0: never wait). */
  maxQueued: z.number().int().min(0).max(1_000_000).default(2_000),
  /** Longest wait for a slot, in ms; default `api.temporalDeadlineMs`. */
  maxQueueWaitMs: z.number().int().positive().max(60_000).optional(),
});

/** The config file (YAML or JSON). Every section is optional; environment variables fill the gaps. */
export const configFileSchema = z.strictObject({
  api: z
    .strictObject({
      port: z.number().int().min(0).max(65535).optional(),
      /** Interface the API listens on (HOST); unset: 127.0.0.1 under `npm start`, 0.0.0.0 for `start:api`. */
      host: z.string().regex(HOST_PATTERN, HOST_MESSAGE).optional(),
      /** Largest accepted request body, e.g. "1mb". */
      bodyLimit: z
        .string()
        .regex(/^\d+(kb|mb)$/, 'use a size like "512kb" or "1mb"')
        // Bodies over 64 KiB are stored once in the cache store and reach workflows by reference, so
        // Temporal's 2 MB payload limit does not bound them; this bounds what one request may store.
        .refine((size) => parseInt(size, 10) * (size.endsWith('mb') ? 1024 * 1024 : 1024) <= 64 * 1024 * 1024, {
          message: 'at most "64mb"',
        })
        .optional(),
      /** How long a synchronous chat completion may wait for its job, in seconds. */
      syncTimeoutSeconds: z.number().int().positive().max(3600).optional(),
      /** Deadline of each call to Temporal that answers a request (start, describe, cancel), in ms. */
      temporalDeadlineMs: z.number().int().positive().max(60_000).optional(),
      admission: admissionSchema.optional(),
    })
    .optional(),
  temporal: z
    .strictObject({
      address: z.string().min(1).optional(),
      namespace: z.string().min(1).optional(),
      taskQueuePrefix: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'use letters, digits, ".", "-" and "_"')
        .optional(),
    })
    .optional(),
  providers: z.record(identifier, providerSchema).optional(),
  models: z.record(z.string().min(1), modelSchema).optional(),
  routes: z.record(identifier, routeSchema).optional(),
  defaultRoute: identifier.optional(),
  /** Fallbacks of requests whose route has none of its own. */
  fallback: fallbackSchema.optional(),
  stores: z
    .strictObject({
      /** Response cache: `sqlite://path` (default `.data/cache.sqlite`) or `redis://host:port`. */
      cacheUrl: z.string().min(1).optional(),
      /** Budgets and rate-limit counters: `sqlite://path` (default `.data/counters.sqlite`) or `redis://…`. */
      countersUrl: z.string().min(1).optional(),
    })
    .optional(),
  cache: z
    .strictObject({
      /** Let the synchronous endpoint answer fresh cache hits without starting a workflow. */
      fastPath: z.boolean().optional(),
    })
    .optional(),
  budgets: z
    .strictObject({
      /**
       * Output limit of a request without max_tokens: sent to the provider as its max tokens, and the output
       * its cost estimate assumes, so the reservation bounds what the call can cost.
       */
      defaultMaxTokens: z.number().int().positive().optional(),
      /**
       * Price of models that have none, for tenants with a spending cap; without it (or the provider's own
       * `unpricedModelPrice`), such a tenant's request for an unpriced model is refused.
       */
      unpricedModelPrice: unpricedModelPriceSchema.optional(),
    })
    .optional(),
  tenants: z.record(identifier, tenantSchema).optional(),
  circuitBreaker: circuitBreakerSchema.optional(),
  /** Keys of operators (admin endpoints), as sha256 hashes. */
  adminApiKeys: z.array(sha256Key).optional(),
  /** Micro-batching of embeddings requests. */
  batching: batchingSchema.optional(),
  /** Batch jobs on the providers' Batch APIs. */
  batchJobs: batchJobsSchema.optional(),
  /** Streamed answers. */
  streaming: streamingSchema.optional(),
  logging: z
    .strictObject({
      /**
       * Log each provider call's request messages and completion text on its line (LOG_PAYLOADS). Off by default:
       * prompts and answers are the tenants' data, and logs are kept and read more widely than Temporal's history.
       */
      payloads: z.boolean().optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ProviderKeyConfig = z.infer<typeof providerKeySchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type TenantConfig = z.infer<typeof tenantSchema>;
export type CircuitBreakerConfig = z.infer<typeof circuitBreakerSchema>;
/** Admission limits as written; `Config` has them resolved (see `AdmissionConfig` there). */
export type AdmissionSettings = z.infer<typeof admissionSchema>;
export type { BatchingConfig, BatchJobsConfig } from './batched-work-schema';
export type TenantCacheConfig = z.infer<typeof tenantCacheSchema>;
export type CacheMode = (typeof cacheModes)[number];
export type CapabilityOverrides = z.infer<typeof capabilityOverridesSchema>;
export type { FallbackConfig, RouteConfig, RouteTarget } from './route-schema';
