import type { ProviderType } from '../../src/contract/chat';
import type * as AnthropicAdapter from './anthropic/adapter';
import type * as GeminiAdapter from './gemini/adapter';
import type * as OpenAIAdapter from './openai/adapter';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderConnection } from './types';

// Each provider's SDK is loaded when the first adapter of its type is built: a worker whose providers all speak
// OpenAI's wire format never loads the Anthropic and Gemini SDKs (some 20 MB of memory each).
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand, see above */
const openai = () => require('./openai/adapter') as typeof OpenAIAdapter;
const anthropic = () => require('./anthropic/adapter') as typeof AnthropicAdapter;
const gemini = () => require('./gemini/adapter') as typeof GeminiAdapter;
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The adapter factory for each provider type: the one place a provider is registered. Each provider lives
 * in its own folder (`openai/`, `anthropic/`, `gemini/`: adapter, wire format, error mapping); keying the
 * record by `ProviderType` makes a type added to `PROVIDER_TYPES` without an entry here a compile error.
 */
export const providerAdapterFactories: Readonly<Record<ProviderType, ProviderAdapterFactory>> = {
  openai: (connection) => openai().createOpenAIAdapter('openai', connection),
  // vLLM, Ollama, Groq and friends speak OpenAI's wire format; the adapter adjusts the few fields they differ on.
  'openai-compatible': (connection) => openai().createOpenAIAdapter('openai-compatible', connection),
  anthropic: (connection) => anthropic().createAnthropicAdapter(connection),
  gemini: (connection) => gemini().createGeminiAdapter(connection),
};

/**
 * Builds the adapter for one connection. Build it once per connection and keep it: each adapter owns one
 * SDK client, and reusing it is what reuses keep-alive connections.
 */
export function createProviderAdapter(type: ProviderType, connection: ProviderConnection): ProviderAdapter {
  return providerAdapterFactories[type](connection);
}
