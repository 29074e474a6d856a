import type { ChatMessage, ChatRequest } from '../../workflows/chat-types';
import type { BudgetPlan, CachePlan, CachePlanMode, FallbackPlan, JobTarget } from '../../workflows/shared';
import { resolveTargets, type CacheMode, type Config } from '../config';
import { cacheKeyOf } from './cache-key';

/** A request's own cache settings (`"cache": {…}` in the body); naming a mode opts the request in. */
export interface RequestCachePolicy {
  mode?: CacheMode;
  ttlSeconds?: number;
}

export interface JobPlan {
  targets: JobTarget[];
  fallback: FallbackPlan;
  cache: CachePlan | null;
  budget: BudgetPlan;
  /** Tokens the request may use at most (input estimate + max_tokens), for tokens-per-minute limits. */
  tokenEstimate: number;
}

function textOf(message: ChatMessage): string {
  return typeof message.content === 'string' ? message.content : message.content.map((p) => p.text).join('');
}

/** Input tokens, estimated at four characters a token plus a few per message, as tokenisers roughly give. */
export function estimateInputTokens(request: ChatRequest): number {
  return request.messages.reduce((sum, m) => sum + Math.ceil(textOf(m).length / 4) + 4, 0);
}

/** Worst-case cost over a chain: whichever target ends up answering, the dearest one counts. */
export function worstCaseUsd(targets: JobTarget[], inputTokens: number, outputTokens: number): number {
  let worst = 0;
  for (const { price } of targets) {
    if (!price) continue;
    worst = Math.max(worst, (inputTokens * price.inputUsdPerMTok + outputTokens * price.outputUsdPerMTok) / 1e6);
  }
  return worst;
}

/**
 * Everything the workflow needs decided up front: the chain of targets, how the job uses the cache, and
 * what it may cost. Throws `UnknownModelError` for a model or route that does not exist.
 */
export function planJob(
  config: Config,
  tenantId: string,
  request: ChatRequest,
  override: RequestCachePolicy = {},
): JobPlan {
  const tenant = config.tenants[tenantId];
  if (!tenant) throw new Error(`unknown tenant ${tenantId}`);
  const targets = resolveTargets(config, request.model);
  const inputTokens = estimateInputTokens(request);
  const outputTokens = request.max_tokens ?? config.budgets.defaultMaxTokens;

  const mode = override.mode ?? tenant.cache.mode;
  const cacheable = request.temperature === 0 || tenant.cache.cacheNonDeterministic || override.mode !== undefined;
  const cache: CachePlan | null =
    mode === 'bypass' || !cacheable
      ? null
      : {
          key: cacheKeyOf(tenant.cache.shareAcrossTenants ? 'shared' : `tenant:${tenantId}`, request),
          mode: mode satisfies CachePlanMode,
          ttlSeconds: override.ttlSeconds ?? tenant.cache.ttlSeconds,
          staleSeconds: tenant.cache.staleSeconds,
        };

  const { dailyUsd, monthlyUsd, onExceeded, downgradeRoute } = tenant.budget;
  const downgradeTargets = onExceeded === 'downgrade' && downgradeRoute ? resolveTargets(config, downgradeRoute) : null;
  const budget: BudgetPlan = {
    caps: { ...(dailyUsd !== undefined ? { dailyUsd } : {}), ...(monthlyUsd !== undefined ? { monthlyUsd } : {}) },
    estimateUsd: worstCaseUsd(targets, inputTokens, outputTokens),
    onExceeded,
    ...(downgradeTargets
      ? {
          downgrade: {
            targets: downgradeTargets,
            estimateUsd: worstCaseUsd(downgradeTargets, inputTokens, outputTokens),
          },
        }
      : {}),
  };
  const fallback = config.routes[request.model]?.fallback ?? config.fallback;
  return { targets, fallback, cache, budget, tokenEstimate: inputTokens + outputTokens };
}
