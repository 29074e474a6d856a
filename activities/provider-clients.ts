import type { ProviderConfig, ProviderKeyConfig } from '../src/config/schema';
import { ownEntry } from '../src/config/own-entry';
import { FailureType } from '../src/contract/failure-types';
import { ProviderError } from './providers/provider-error';
import { createProviderAdapter } from './providers/registry';
import type { ProviderAdapter } from './providers/types';

export interface ProviderClientsOptions {
  /**
   * Output limit the adapters send with a request that has no `max_tokens` (`budgets.defaultMaxTokens`):
   * the API sets one on every request, but jobs accepted before it did still arrive without.
   * @default 1024
   */
  defaultMaxTokens?: number;
}

/**
 * Adapters by provider and key alias, built on first use and kept so their HTTP connections are reused.
 * Keys are named by alias (the key pool picks one per call); the secret is read here, from the environment
 * variable the config names.
 */
export class ProviderClients {
  private readonly adapters = new Map<string, ProviderAdapter>();

  constructor(
    private readonly providers: Record<string, ProviderConfig>,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly options: ProviderClientsOptions = {},
  ) {}

  /**
   * The provider's key pool as this worker can use it: the keys whose secret is set (`usable`) and the
   * aliases of those whose variable is unset here. Throws a NOT_CONFIGURED `ProviderError` when the provider
   * is unknown or none of its keys has a secret on this worker.
   */
  keysOf(providerId: string): { usable: ProviderKeyConfig[]; unset: string[] } {
    const provider = ownEntry(this.providers, providerId);
    if (!provider) {
      throw new ProviderError(FailureType.NotConfigured, `Provider "${providerId}" is not configured on this worker`);
    }
    const usable = provider.keys.filter((key) => this.env[key.env]);
    if (usable.length === 0) {
      throw new ProviderError(
        FailureType.NotConfigured,
        `No key of provider "${providerId}" is set on this worker (${provider.keys.map((k) => k.env).join(', ')})`,
      );
    }
    return { usable, unset: provider.keys.filter((key) => !this.env[key.env]).map((key) => key.alias) };
  }

  /** The adapter for one provider key; throws a NOT_CONFIGURED `ProviderError` when it cannot be built. */
  adapterFor(providerId: string, keyAlias: string): ProviderAdapter {
    const cacheKey = `${providerId}\u0000${keyAlias}`;
    const cached = this.adapters.get(cacheKey);
    if (cached) return cached;

    const provider = ownEntry(this.providers, providerId);
    if (!provider) {
      throw new ProviderError(FailureType.NotConfigured, `Provider "${providerId}" is not configured on this worker`);
    }
    const key = provider.keys.find((k) => k.alias === keyAlias);
    if (!key) {
      throw new ProviderError(FailureType.NotConfigured, `Provider "${providerId}" has no key alias "${keyAlias}"`);
    }
    const apiKey = this.env[key.env];
    if (!apiKey) {
      throw new ProviderError(
        FailureType.NotConfigured,
        `Key "${keyAlias}" of provider "${providerId}" reads ${key.env}, which is not set on this worker`,
      );
    }
    const adapter = createProviderAdapter(provider.type, {
      baseUrl: provider.baseUrl,
      apiKey,
      timeoutMs: provider.timeoutMs,
      ...(this.options.defaultMaxTokens !== undefined && { defaultMaxTokens: this.options.defaultMaxTokens }),
    });
    this.adapters.set(cacheKey, adapter);
    return adapter;
  }
}
