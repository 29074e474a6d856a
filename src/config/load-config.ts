import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { DEFAULT_TASK_QUEUE_PREFIX } from '../contract/task-queues';
import type { Config, ResolvedModel } from './config';
import { ConfigError } from './config-error';
import { DEFAULT_CODEC_CORS_ORIGINS } from '../codec/cors-origins';
import { CONVENTIONAL_PROVIDERS, envSchema, type Env } from './env';
import { MODEL_CATALOGUE } from './model-catalogue';
import { fallbackSchema } from './route-schema';
import { batchingSchema, batchJobsSchema } from './batched-work-schema';
import { streamingSchema } from './streaming-schema';
import {
  admissionSchema,
  circuitBreakerSchema,
  configFileSchema,
  providerSchema,
  tenantSchema,
  type ConfigFile,
  type ProviderConfig,
  type TenantConfig,
  type FallbackConfig,
} from './schema';
import { parseStoreUrl, StoreUrlError } from '../contract/store-url';
import { resolveReference } from './resolve-targets';

/** Models tried, in order, to make an implicit default route when the config names none. */
const DEFAULT_MODEL_PREFERENCE = ['gpt-4o-mini', 'claude-haiku-4-5', 'gemini-2.5-flash'];

function describeIssues(issues: z.core.$ZodIssue[], prefix: string): string[] {
  return issues.map((issue) => {
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return `${field || '(root)'}: ${issue.message}`;
  });
}

function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`SWITCHYARD_CONFIG: cannot read ${path} (${(err as Error).message})`]);
  }
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError([
      `${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'} (${(err as Error).message})`,
    ]);
  }
  const parsed = configFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error.issues, path));
  return parsed.data;
}

function providersFrom(file: ConfigFile, env: Env): Record<string, ProviderConfig> {
  const providers: Record<string, ProviderConfig> = { ...file.providers };
  for (const conventional of CONVENTIONAL_PROVIDERS) {
    if (providers[conventional.id] || !env[conventional.keyVar]) continue;
    providers[conventional.id] = providerSchema.parse({
      type: conventional.type,
      baseUrl: env[conventional.baseUrlVar],
      keys: [{ alias: 'default', env: conventional.keyVar }],
    });
  }
  return providers;
}

function modelsFrom(file: ConfigFile, providers: Record<string, ProviderConfig>, problems: string[]) {
  const models: Record<string, ResolvedModel> = {};
  // Catalogue models are offered by the first configured provider of their type.
  for (const [name, entry] of Object.entries(MODEL_CATALOGUE)) {
    const providerId = Object.keys(providers).find((id) => providers[id]?.type === entry.providerType);
    if (!providerId) continue;
    models[name] = {
      provider: providerId,
      model: name,
      price: {
        inputUsdPerMTok: entry.inputUsdPerMTok,
        outputUsdPerMTok: entry.outputUsdPerMTok,
        ...(entry.cachedInputUsdPerMTok !== undefined ? { cachedInputUsdPerMTok: entry.cachedInputUsdPerMTok } : {}),
      },
      ...(entry.imageTokens !== undefined ? { imageTokens: entry.imageTokens } : {}),
      ...(entry.kind === 'embedding' ? { kind: 'embedding' as const } : {}),
    };
  }
  for (const [alias, entry] of Object.entries(file.models ?? {})) {
    if (!providers[entry.provider]) {
      problems.push(
        `models.${alias}.provider: unknown provider "${entry.provider}"; configured providers: ${Object.keys(providers).join(', ') || 'none'}`,
      );
      continue;
    }
    models[alias] = {
      provider: entry.provider,
      model: entry.model ?? alias,
      price: {
        inputUsdPerMTok: entry.inputUsdPerMTok,
        outputUsdPerMTok: entry.outputUsdPerMTok,
        ...(entry.cachedInputUsdPerMTok !== undefined ? { cachedInputUsdPerMTok: entry.cachedInputUsdPerMTok } : {}),
        ...(entry.reasoningOutputUsdPerMTok !== undefined
          ? { reasoningOutputUsdPerMTok: entry.reasoningOutputUsdPerMTok }
          : {}),
      },
      ...(entry.imageTokens !== undefined ? { imageTokens: entry.imageTokens } : {}),
      ...(entry.capabilities !== undefined ? { capabilities: entry.capabilities } : {}),
      ...(entry.kind === 'embedding' ? { kind: 'embedding' as const } : {}),
    };
  }
  return models;
}

/** How API keys are kept in config and compared: never in clear. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

function tenantsFrom(file: ConfigFile, env: Env): Record<string, TenantConfig> {
  if (file.tenants && Object.keys(file.tenants).length > 0) return file.tenants;
  if (!env.SWITCHYARD_API_KEY) return {};
  return { default: tenantSchema.parse({ apiKeys: [hashApiKey(env.SWITCHYARD_API_KEY)] }) };
}

/**
 * Loads the configuration: the file named by `SWITCHYARD_CONFIG` (YAML or JSON, optional) plus
 * environment variables. Throws a `ConfigError` listing every problem, each naming its field.
 */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  const envResult = envSchema.safeParse(rawEnv);
  if (!envResult.success) throw new ConfigError(describeIssues(envResult.error.issues, ''));
  const env = envResult.data;
  const file = env.SWITCHYARD_CONFIG ? readConfigFile(env.SWITCHYARD_CONFIG) : {};

  const problems: string[] = [];
  const providers = providersFrom(file, env);
  const models = modelsFrom(file, providers, problems);
  const routes = { ...file.routes };
  let defaultRoute = file.defaultRoute ?? null;
  if (!defaultRoute && !routes.default) {
    const preferred = DEFAULT_MODEL_PREFERENCE.find((name) => models[name]);
    if (preferred) routes.default = { targets: [preferred] };
  }
  if (!defaultRoute && routes.default) defaultRoute = 'default';

  const partial: Config = {
    api: {
      port: env.PORT ?? file.api?.port ?? 8080,
      ...((env.HOST ?? file.api?.host) ? { host: env.HOST ?? file.api?.host } : {}),
      bodyLimit: file.api?.bodyLimit ?? '1mb',
      syncTimeoutSeconds: file.api?.syncTimeoutSeconds ?? 600,
      temporalDeadlineMs: file.api?.temporalDeadlineMs ?? 5_000,
      admission: {
        ...(file.api?.admission ?? admissionSchema.parse({})),
        // A start never waits for a slot longer than the API gives the start call itself.
        maxQueueWaitMs: file.api?.admission?.maxQueueWaitMs ?? file.api?.temporalDeadlineMs ?? 5_000,
      },
    },
    temporal: {
      address: env.TEMPORAL_ADDRESS ?? file.temporal?.address ?? '127.0.0.1:7233',
      namespace: env.TEMPORAL_NAMESPACE ?? file.temporal?.namespace ?? 'default',
      taskQueuePrefix: env.SWITCHYARD_TASK_QUEUE_PREFIX ?? file.temporal?.taskQueuePrefix ?? DEFAULT_TASK_QUEUE_PREFIX,
    },
    providers,
    models,
    routes,
    defaultRoute,
    fallback: file.fallback ?? fallbackSchema.parse({}),
    circuitBreaker: file.circuitBreaker ?? circuitBreakerSchema.parse({}),
    stores: {
      cacheUrl: env.CACHE_URL ?? file.stores?.cacheUrl ?? 'sqlite://.data/cache.sqlite',
      countersUrl: env.COUNTERS_URL ?? file.stores?.countersUrl ?? 'sqlite://.data/counters.sqlite',
    },
    cache: { fastPath: file.cache?.fastPath ?? true },
    budgets: {
      defaultMaxTokens: file.budgets?.defaultMaxTokens ?? 1_024,
      unpricedModelPrice: file.budgets?.unpricedModelPrice ?? null,
    },
    tenants: tenantsFrom(file, env),
    adminKeyHashes: [
      ...(file.adminApiKeys ?? []),
      ...(env.SWITCHYARD_ADMIN_KEY ? [hashApiKey(env.SWITCHYARD_ADMIN_KEY)] : []),
    ],
    workerMetricsAddress: env.WORKER_METRICS_ADDRESS ?? null,
    payloadEncryption: {
      keys: env.SWITCHYARD_PAYLOAD_KEYS ?? [],
      codecCorsOrigins: env.SWITCHYARD_CODEC_CORS_ORIGINS ?? DEFAULT_CODEC_CORS_ORIGINS,
    },
    logLevel: env.LOG_LEVEL ?? 'info',
    logging: { payloads: env.LOG_PAYLOADS ?? file.logging?.payloads ?? false },
    batching: file.batching ?? batchingSchema.parse({}),
    batchJobs: file.batchJobs ?? batchJobsSchema.parse({}),
    streaming: file.streaming ?? streamingSchema.parse({}),
  };

  const fallbacks: Array<[string, FallbackConfig]> = [['fallback', partial.fallback]];
  for (const [name, route] of Object.entries(routes)) {
    if (route.fallback) fallbacks.push([`routes.${name}.fallback`, route.fallback]);
  }
  for (const [field, fallback] of fallbacks) {
    if (fallback.onExhausted === 'degrade' && !fallback.message) {
      problems.push(`${field}.message: onExhausted "degrade" needs a message to answer with`);
    }
  }
  for (const [name, route] of Object.entries(routes)) {
    route.targets.forEach((reference, index) => {
      const resolved = resolveReference(partial, reference);
      if ('problem' in resolved) problems.push(`routes.${name}.targets.${index}: ${resolved.problem}`);
    });
  }
  for (const [id, tenant] of Object.entries(partial.tenants)) {
    const route = tenant.budget.downgradeRoute;
    if (route && !routes[route]) {
      problems.push(
        `tenants.${id}.budget.downgradeRoute: unknown route "${route}"; routes: ${Object.keys(routes).join(', ') || 'none'}`,
      );
    }
  }
  for (const [variable, value] of [
    ['CACHE_URL (stores.cacheUrl)', partial.stores.cacheUrl],
    ['COUNTERS_URL (stores.countersUrl)', partial.stores.countersUrl],
  ] as const) {
    try {
      parseStoreUrl(variable, value);
    } catch (err) {
      if (!(err instanceof StoreUrlError)) throw err;
      problems.push(err.message);
    }
  }
  const keyOwners = new Map<string, string>();
  for (const [id, tenant] of Object.entries(partial.tenants)) {
    for (const hash of tenant.apiKeys) {
      const owner = keyOwners.get(hash);
      if (owner) problems.push(`tenants.${id}.apiKeys: the same key is also a key of tenant "${owner}"`);
      keyOwners.set(hash, id);
    }
  }
  if (defaultRoute && !routes[defaultRoute]) {
    problems.push(`defaultRoute: unknown route "${defaultRoute}"; routes: ${Object.keys(routes).join(', ') || 'none'}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return partial;
}
