import { requiredCapabilities, type RequiredCapability } from '../contract/capabilities';
import type { ChatRequest } from '../contract/chat';
import type { BudgetPlan, CachePlan, CachePlanMode, FallbackPlan, JobTarget } from '../contract/job';
import { defaultImageTokens, footprintOf, MAX_IMAGE_TOKENS } from '../contract/request-footprint';
import { resolveTargets, type CacheMode, type Config } from '../config';
import { missingCapabilities } from '../config/capabilities';
import { ownEntry } from '../config/own-entry';
import { cacheKeyOf } from './cache-key';
import { UncacheableRequestError } from './uncacheable-request-error';
import { UnpricedModelError } from './unpriced-model-error';
import { UnsupportedParameterError } from './unsupported-parameter-error';

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
  /** Tokens the request may use at most (input estimate + max_tokens × n), for tokens-per-minute limits. */
  tokenEstimate: number;
}

/** Tokens a message costs beyond its text: its role and the chat template's separators. */
const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * Input tokens, bounded from above rather than guessed: the UTF-8 bytes of everything the model reads as
 * text (message text and names, tool calls and results, tool schemas as JSON), a fixed overhead per message,
 * `imageTokens` per image, and the base64 characters of other inline data (audio, files). Byte-level BPE
 * tokenisers (and the byte-fallback vocabularies of the others) never make a token of less than one byte, so
 * a text of n bytes is at most n tokens whatever its script. Characters per token would undercount: a CJK
 * character is three bytes and an emoji four, and either is often more than one token.
 */
export function estimateInputTokens(request: ChatRequest, imageTokens = MAX_IMAGE_TOKENS): number {
  const { texts, images, inlineDataChars, messages } = footprintOf(request);
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  return bytes + messages * MESSAGE_OVERHEAD_TOKENS + images * imageTokens + inlineDataChars;
}

/** The bound on one image's tokens for a target: its model's entry in the price table, else its family's. */
function imageTokensOf(config: Config, target: JobTarget): number {
  const entry = Object.values(config.models).find(
    (model) => model.provider === target.providerId && model.model === target.model && model.imageTokens,
  );
  return entry?.imageTokens ?? defaultImageTokens(target.providerType, target.model);
}

/** The image bound of a chain: its largest, since any of its targets may end up answering. */
function chainImageTokens(config: Config, targets: JobTarget[]): number {
  return Math.max(1, ...targets.map((target) => imageTokensOf(config, target)));
}

/**
 * The targets of a chain that can honour every parameter of `request`, or, when none can, the parameter
 * none can honour and the targets that cannot (for the 400).
 */
export function servingTargets(
  config: Config,
  request: ChatRequest,
  targets: JobTarget[],
  required: readonly RequiredCapability[] = requiredCapabilities(request),
): { targets: JobTarget[] } | { unsupported: { parameter: string; targets: string[] } } {
  if (required.length === 0) return { targets };
  const missing = targets.map((target) => missingCapabilities(config, target, request, required));
  const serving = targets.filter((_target, i) => missing[i]?.length === 0);
  if (serving.length > 0) return { targets: serving };
  // Name the first parameter some target cannot honour, and every target that cannot honour it.
  const first = missing.find((m) => m.length > 0)?.[0];
  const parameter = first?.parameter ?? required[0]?.parameter ?? 'model';
  const lacking = targets
    .filter((_target, i) => missing[i]?.some((m) => m.parameter === parameter))
    .map((target) => `${target.providerId}:${target.model}`);
  return { unsupported: { parameter, targets: lacking } };
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
export function pricedTargets(config: Config, requested: string, targets: JobTarget[], capped: boolean): JobTarget[] {
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
    // Output may all be reasoning, and input none of it cached: the dearer price of each bounds the cost.
    const input = Math.max(price.inputUsdPerMTok, price.cachedInputUsdPerMTok ?? 0);
    const output = Math.max(price.outputUsdPerMTok, price.reasoningOutputUsdPerMTok ?? 0);
    worst = Math.max(worst, (inputTokens * input + outputTokens * output) / 1e6);
  }
  return worst;
}

/**
 * Everything the workflow needs decided up front: the request as sent (with its output limit), the chain
 * of targets, how the job uses the cache, and what it may cost. Throws `UnknownModelError` for a model or
 * route that does not exist, `UnpricedModelError` for an unpriced model a capped tenant cannot use,
 * `UnsupportedParameterError` when no target can honour a parameter of the request (targets that cannot are
 * left out of the chain), and `UncacheableRequestError` for a request a cache-only tenant could only get from
 * a provider.
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
  const required = requiredCapabilities(request);
  const chain = servingTargets(config, request, resolveTargets(config, request.model), required);
  if ('unsupported' in chain)
    throw new UnsupportedParameterError(chain.unsupported.parameter, chain.unsupported.targets);
  const targets = pricedTargets(config, request.model, chain.targets, capped);
  const sent = withOutputLimit(request, config.budgets.defaultMaxTokens);
  const inputTokens = estimateInputTokens(request, chainImageTokens(config, targets));
  // Each of the n choices may be max_tokens long.
  const outputTokens = (sent.max_tokens ?? config.budgets.defaultMaxTokens) * (request.n ?? 1);

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

  // A downgrade chain with no target that can serve the request is none: over the cap, the job is rejected.
  const downgradeChain =
    onExceeded === 'downgrade' && downgradeRoute
      ? servingTargets(config, request, resolveTargets(config, downgradeRoute), required)
      : null;
  const downgradeTargets =
    downgradeChain && 'targets' in downgradeChain
      ? pricedTargets(config, downgradeRoute ?? '', downgradeChain.targets, capped)
      : null;
  const downgradeInputTokens = downgradeTargets
    ? estimateInputTokens(request, chainImageTokens(config, downgradeTargets))
    : inputTokens;
  const budget: BudgetPlan = {
    caps: { ...(dailyUsd !== undefined ? { dailyUsd } : {}), ...(monthlyUsd !== undefined ? { monthlyUsd } : {}) },
    estimateUsd: worstCaseUsd(targets, inputTokens, outputTokens),
    onExceeded,
    ...(downgradeTargets
      ? {
          downgrade: {
            targets: downgradeTargets,
            estimateUsd: worstCaseUsd(downgradeTargets, downgradeInputTokens, outputTokens),
          },
        }
      : {}),
  };
  const fallback = ownEntry(config.routes, request.model)?.fallback ?? config.fallback;
  return { request: sent, targets, fallback, cache, budget, tokenEstimate: inputTokens + outputTokens };
}
