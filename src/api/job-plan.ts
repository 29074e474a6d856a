import { textOf, type ChatRequest } from '../contract/chat';
import type { BudgetPlan, CachePlan, CachePlanMode, FallbackPlan, JobTarget } from '../contract/job';
import { resolveTargets, type CacheMode, type Config } from '../config';
import { ownEntry } from '../config/own-entry';
import { cacheKeyOf } from './cache-key';
import { UncacheableRequestError } from './uncacheable-request-error';
import { UnpricedModelError } from './unpriced-model-error';

/** A request's own cache settings (`"cache": {…}` in the body); naming a mode opts the request in. */
export interface RequestCachePolicy {
  mode?: CacheMode;
  ttlSeconds?: number;
}

export interface JobPlan {
  /**
   * The request as the workflow sends it to providers: the client's, with its output limit always set
   * (`max_tokens`, the configured default when the client sent none), so the reservation bounds the call.
   */
  request: ChatRequest;
  targets: JobTarget[];
  fallback: FallbackPlan;
  cache: CachePlan | null;
  budget: BudgetPlan;
  /** Tokens the request may use at most (input estimate + max_tokens), for tokens-per-minute limits. */
  tokenEstimate: number;
}

/** Tokens a message costs beyond its text: its role and the chat template's separators. */
const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * Input tokens, bounded from above rather than guessed: the UTF-8 bytes of each message's text and name,
 * plus a fixed overhead per message. Byte-level BPE tokenisers (and the byte-fallback vocabularies of the
 * others) never make a token of less than one byte, so a text of n bytes is at most n tokens whatever its
 * script. Characters per token would undercount: a CJK character is three bytes and an emoji four, and
 * either is often more than one token.
 */
export function estimateInputTokens(request: ChatRequest): number {
  return request.messages.reduce(
    (sum, m) =>
      sum +
      Buffer.byteLength(textOf(m.content), 'utf8') +
      Buffer.byteLength(('name' in m ? m.name : undefined) ?? '', 'utf8') +
      MESSAGE_OVERHEAD_TOKENS,
    0,
  );
}

/**
 * The request with its output limit made explicit: its own `max_tokens`, else `defaultMaxTokens`. This is
 * what reaches the provider, so no answer can be longer than the reservation assumed.
 */
export function withOutputLimit(request: ChatRequest, defaultMaxTokens: number): ChatRequest {
  return request.max_tokens !== undefined ? request : { ...request, max_tokens: defaultMaxTokens };
}

/**
 * The targets as a tenant with a spending cap may use them: each unpriced target takes its provider's or the
 * global worst-case price, so it is reserved and charged at that price. Throws `UnpricedModelError` when
 * neither is configured. Uncapped tenants use the targets as they are (an unpriced call costs null).
 */
function pricedTargets(config: Config, requested: string, targets: JobTarget[], capped: boolean): JobTarget[] {
  if (!capped) return targets;
  return targets.map((target) => {
    if (target.price) return target;
    const price =
      ownEntry(config.providers, target.providerId)?.unpricedModelPrice ?? config.budgets.unpricedModelPrice;
    if (!price) throw new UnpricedModelError(requested, `${target.providerId}:${target.model}`, target.providerId);
    return { ...target, price };
  });
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
 * Everything the workflow needs decided up front: the request as sent (with its output limit), the chain
 * of targets, how the job uses the cache, and what it may cost. Throws `UnknownModelError` for a model or
 * route that does not exist, `UnpricedModelError` for an unpriced model a capped tenant cannot use, and
 * `UncacheableRequestError` for a request a cache-only tenant could only get from a provider.
 */
export function planJob(
  config: Config,
  tenantId: string,
  request: ChatRequest,
  override: RequestCachePolicy = {},
): JobPlan {
  const tenant = ownEntry(config.tenants, tenantId);
  if (!tenant) throw new Error(`unknown tenant ${tenantId}`);
  const { dailyUsd, monthlyUsd, onExceeded, downgradeRoute } = tenant.budget;
  const capped = dailyUsd !== undefined || monthlyUsd !== undefined;
  const targets = pricedTargets(config, request.model, resolveTargets(config, request.model), capped);
  const sent = withOutputLimit(request, config.budgets.defaultMaxTokens);
  const inputTokens = estimateInputTokens(request);
  const outputTokens = sent.max_tokens ?? config.budgets.defaultMaxTokens;

  const mode = override.mode ?? tenant.cache.mode;
  const cacheable = request.temperature === 0 || tenant.cache.cacheNonDeterministic || override.mode !== undefined;
  // Without a cache plan the job would call a provider: for a cache-only tenant, a call it never allows.
  if (mode === 'only' && !cacheable) throw new UncacheableRequestError();
  const cache: CachePlan | null =
    mode === 'bypass' || !cacheable
      ? null
      : {
          // From the request as the client sent it, so the default output limit never splits the cache.
          key: cacheKeyOf(tenant.cache.shareAcrossTenants ? 'shared' : `tenant:${tenantId}`, request),
          mode: mode satisfies CachePlanMode,
          ttlSeconds: override.ttlSeconds ?? tenant.cache.ttlSeconds,
          staleSeconds: tenant.cache.staleSeconds,
        };

  const downgradeTargets =
    onExceeded === 'downgrade' && downgradeRoute
      ? pricedTargets(config, downgradeRoute, resolveTargets(config, downgradeRoute), capped)
      : null;
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
  const fallback = ownEntry(config.routes, request.model)?.fallback ?? config.fallback;
  return { request: sent, targets, fallback, cache, budget, tokenEstimate: inputTokens + outputTokens };
}
