import { providerTaskQueue } from '../contract/task-queues';
import type { JobTarget } from '../contract/job';
import type { Config } from './config';
import { ownEntry } from './own-entry';
import type { ProviderConfig, RouteTarget } from './schema';

/** Attempts of one target (Temporal's retries included) when its route does not say. */
export const DEFAULT_MAX_ATTEMPTS = 4;

/** The requested model or route matches nothing configured. */
export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';

  constructor(
    readonly requested: string,
    readonly models: string[],
    readonly routes: string[],
  ) {
    const some = (names: string[]) => `${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`;
    super(
      `Unknown model or route "${requested}". Use a route (${some(routes) || 'none configured'}), a model (${some(models)}), or "provider:model".`,
    );
  }
}

/**
 * Resolves one reference — a model alias or `provider:model` — to a target, or says what is wrong with it.
 * The first key of the provider is used; the worker resolves its alias to the secret.
 */
export function resolveReference(config: Config, target: RouteTarget): JobTarget | { problem: string } {
  const reference = typeof target === 'string' ? target : target.target;
  const budget: { timeoutMs?: number; maxAttempts?: number } = typeof target === 'string' ? {} : target;
  const alias = ownEntry(config.models, reference);
  let providerId: string;
  let model: string;
  if (alias) {
    providerId = alias.provider;
    model = alias.model;
  } else {
    const colon = reference.indexOf(':');
    if (colon <= 0 || colon === reference.length - 1) {
      return { problem: `"${reference}" is neither a configured model nor "provider:model"` };
    }
    providerId = reference.slice(0, colon);
    model = reference.slice(colon + 1);
  }
  const provider = ownEntry(config.providers, providerId);
  const key = provider?.keys[0];
  if (!provider || !key) {
    return {
      problem: `provider "${providerId}" is not configured; configured providers: ${Object.keys(config.providers).join(', ') || 'none'}`,
    };
  }
  const priced =
    alias ?? Object.values(config.models).find((entry) => entry.provider === providerId && entry.model === model);
  return {
    providerId,
    providerType: provider.type,
    model,
    keyAlias: key.alias,
    taskQueue: providerTaskQueue(config.temporal.taskQueuePrefix, providerId),
    ...(callsLocally(provider) ? { callLocally: true } : {}),
    timeoutMs: budget.timeoutMs ?? provider.timeoutMs,
    maxAttempts: budget.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    price: priced?.price ?? null,
  };
}

/**
 * Resolves what a request asked for — a route name, a model alias, `provider:model`, or nothing (the
 * default route) — to the ordered chain of targets. Throws `UnknownModelError` when nothing matches.
 */
export function resolveTargets(config: Config, requested: string | undefined): JobTarget[] {
  const routeName = requested ?? config.defaultRoute;
  const route = routeName === null ? undefined : ownEntry(config.routes, routeName);
  const references = route ? route.targets : requested ? [requested] : [];
  const targets: JobTarget[] = [];
  for (const reference of references) {
    const resolved = resolveReference(config, reference);
    if ('problem' in resolved) break;
    targets.push(resolved);
  }
  if (targets.length === 0 || targets.length !== references.length) {
    throw new UnknownModelError(requested ?? '(default route)', Object.keys(config.models), Object.keys(config.routes));
  }
  return targets;
}

/** Whether a provider's calls run in the job's own worker (see `calls` in the provider schema). */
export function callsLocally(provider: Pick<ProviderConfig, 'calls' | 'maxCallsPerSecond'>): boolean {
  return (provider.calls ?? (provider.maxCallsPerSecond === undefined ? 'local' : 'queue')) === 'local';
}
