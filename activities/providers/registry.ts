import type { ProviderType } from '../../src/contract/chat';
import { createAnthropicAdapter } from './anthropic-adapter';
import { createGeminiAdapter } from './gemini-adapter';
import { createOpenAIAdapter } from './openai-adapter';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderConnection } from './types';

/**
 * The adapter factory for each provider type, keyed by type so that adding a provider is one entry here
 * and a missing one is a compile error.
 */
export const providerAdapterFactories: Readonly<Record<ProviderType, ProviderAdapterFactory>> = {
  openai: (connection) => createOpenAIAdapter('openai', connection),
  'openai-compatible': (connection) => createOpenAIAdapter('openai-compatible', connection),
  anthropic: createAnthropicAdapter,
  gemini: createGeminiAdapter,
};

/**
 * Builds the adapter for one connection. Build it once per connection and keep it: each adapter owns one
 * SDK client, and reusing it is what reuses keep-alive connections.
 */
export function createProviderAdapter(type: ProviderType, connection: ProviderConnection): ProviderAdapter {
  return providerAdapterFactories[type](connection);
}
