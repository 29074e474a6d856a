import { createHash } from 'node:crypto';
import type { SpendCaps } from '../contract/activities';
import type { EmbeddingCachePlan } from '../contract/embedding-batch';
import type { JobTarget } from '../contract/job';
import { resolveTargets, UnknownModelError, type Config } from '../config';
import { ownEntry } from '../config/own-entry';
import { HttpError } from './http-error';
import { pricedTargets } from './job-plan';
import { UnpricedModelError } from './unpriced-model-error';

/** An embeddings request as the API reads it (see `embeddingsBodySchema`). */
export interface EmbeddingsRequest {
  model: string;
  /** At least one text, each non-empty. */
  input: string[];
  dimensions?: number;
}

/** How the request's texts use the cache: read and write, write only, or answer only from it. */
export type EmbeddingCacheUse = { read: boolean; write: boolean; only: boolean } | null;

export interface EmbeddingPlan {
  /** The one model that embeds every text: vectors of different models cannot be compared. */
  target: JobTarget;
  caps: SpendCaps;
  cacheUse: EmbeddingCacheUse;
  /** Per text, in input order. */
  items: Array<{ text: string; estimateUsd: number; cache: EmbeddingCachePlan | null }>;
}

/**
 * Decides the model, the worst-case cost of each text (its UTF-8 bytes at the input price: no token is shorter
 * than a byte) and its cache entry. 400s name the field: an unknown model, a chat model, an unpriced model for a
 * tenant with a cap.
 */
export function planEmbeddings(config: Config, tenantId: string, request: EmbeddingsRequest): EmbeddingPlan {
  const tenant = ownEntry(config.tenants, tenantId);
  if (!tenant) throw new Error(`unknown tenant ${tenantId}`);
  const { dailyUsd, monthlyUsd } = tenant.budget;
  const caps: SpendCaps = {
    ...(dailyUsd !== undefined ? { dailyUsd } : {}),
    ...(monthlyUsd !== undefined ? { monthlyUsd } : {}),
  };
  const capped = dailyUsd !== undefined || monthlyUsd !== undefined;
  const target = embeddingTarget(config, request.model, capped);
  const inputPrice = target.price ? Math.max(target.price.inputUsdPerMTok, target.price.cachedInputUsdPerMTok ?? 0) : 0;

  const mode = tenant.cache.mode;
  const cacheUse: EmbeddingCacheUse =
    mode === 'bypass' ? null : { read: mode !== 'refresh', write: true, only: mode === 'only' };
  const scope = tenant.cache.shareAcrossTenants ? 'shared' : `tenant:${tenantId}`;
  return {
    target,
    caps,
    cacheUse,
    items: request.input.map((text) => ({
      text,
      estimateUsd: (Buffer.byteLength(text, 'utf8') * inputPrice) / 1e6,
      cache: cacheUse
        ? {
            key: embeddingCacheKey(scope, target, request.dimensions, text),
            ttlSeconds: tenant.cache.ttlSeconds,
            staleSeconds: tenant.cache.staleSeconds,
          }
        : null,
    })),
  };
}

/** The model's one target, priced for a capped tenant; 400 when it is unknown, a chat model or unpriced. */
function embeddingTarget(config: Config, model: string, capped: boolean): JobTarget {
  let targets: JobTarget[];
  try {
    targets = pricedTargets(config, model, resolveTargets(config, model).slice(0, 1), capped);
  } catch (err) {
    if (err instanceof UnknownModelError) {
      const names = embeddingModels(config);
      throw new HttpError(
        400,
        'unknown_model',
        `Unknown embedding model "${model}". Use ${names.length > 0 ? names.join(', ') : 'an embedding model of a configured provider'}, or "provider:model".`,
        { param: 'model' },
      );
    }
    if (err instanceof UnpricedModelError) throw new HttpError(400, 'unpriced_model', err.message, { param: 'model' });
    throw err;
  }
  const target = targets[0];
  if (!target) throw new HttpError(400, 'unknown_model', `Unknown embedding model "${model}".`, { param: 'model' });
  if (modelEntry(config, target) && !isEmbeddingTarget(config, target)) {
    throw new HttpError(
      400,
      'wrong_model_kind',
      `"${model}" is a chat model; use it with POST /v1/chat/completions, or name an embedding model (${embeddingModels(config).join(', ') || 'none configured'}).`,
      { param: 'model' },
    );
  }
  return target;
}

function modelEntry(config: Config, target: JobTarget) {
  return Object.values(config.models).find((m) => m.provider === target.providerId && m.model === target.model);
}

/** Whether the price table lists the target's model as an embedding model. */
export function isEmbeddingTarget(config: Config, target: JobTarget): boolean {
  return modelEntry(config, target)?.kind === 'embedding';
}

/** The configured embedding models, by name. */
export function embeddingModels(config: Config): string[] {
  return Object.entries(config.models)
    .filter(([, model]) => model.kind === 'embedding')
    .map(([name]) => name);
}

/**
 * The cache key of one text's vector: the model (provider included), the vector length and the text, scoped by
 * tenant or shared. Two requests that embed the same text with the same model share the entry.
 */
function embeddingCacheKey(scope: string, target: JobTarget, dimensions: number | undefined, text: string): string {
  return createHash('sha256')
    .update(JSON.stringify(['embedding', scope, target.providerId, target.model, dimensions ?? null, text]))
    .digest('hex');
}
