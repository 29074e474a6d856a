import type { ProviderType } from '../../src/contract/chat';
import { createAnthropicAdapter } from './anthropic/adapter';
import { createGeminiAdapter } from './gemini/adapter';
import { createOpenAIAdapter } from './openai/adapter';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderConnection } from './types';

/**
 * The adapter factory for each provider type: the one place a provider is registered. Each provider lives
 * in its own folder (`openai/`, `anthropic/`, `gemini/`: adapter, wire format, error mapping); keying the
 * record by `ProviderType` makes a type added to `PROVIDER_TYPES` without an entry here a compile error.
 */
export const providerAdapterFactories: Readonly<Record<ProviderType, ProviderAdapterFactory>> = {
  openai: (connection) => createOpenAIAdapter('openai', connection),
  // vLLM, Ollama, Groq and friends speak OpenAI's wire format; the adapter adjusts the few fields they differ on.
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
