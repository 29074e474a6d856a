import type { ProviderType } from '../contract/chat';

/** A model Switchyard knows the provider and list price of, in US dollars per million tokens. */
export interface CatalogueModel {
  providerType: ProviderType;
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  /** Prompt tokens read from the provider's prompt cache, where the provider publishes a price. */
  cachedInputUsdPerMTok?: number;
  /** Input tokens one image may cost at most (see `defaultImageTokens` for the family bounds); none for embeddings. */
  imageTokens?: number;
  /** Embedding models serve only the embeddings endpoint, and cost only input tokens. */
  kind?: 'embedding';
}

/**
 * List prices of common models (standard tier, text, USD per 1M tokens, as published by the providers
 * in late 2025; cached input is the price of a prompt-cache read), with a bound on the tokens of one image. A config file's `models` section overrides or extends these.
 */
export const MODEL_CATALOGUE: Readonly<Record<string, CatalogueModel>> = {
  'gpt-5': {
    providerType: 'openai',
    inputUsdPerMTok: 1.25,
    outputUsdPerMTok: 10,
    cachedInputUsdPerMTok: 0.125,
    imageTokens: 3_000,
  },
  'gpt-5-mini': {
    providerType: 'openai',
    inputUsdPerMTok: 0.25,
    outputUsdPerMTok: 2,
    cachedInputUsdPerMTok: 0.025,
    imageTokens: 3_000,
  },
  'gpt-5-nano': {
    providerType: 'openai',
    inputUsdPerMTok: 0.05,
    outputUsdPerMTok: 0.4,
    cachedInputUsdPerMTok: 0.005,
    imageTokens: 3_000,
  },
  'gpt-4.1': {
    providerType: 'openai',
    inputUsdPerMTok: 2,
    outputUsdPerMTok: 8,
    cachedInputUsdPerMTok: 0.5,
    imageTokens: 3_000,
  },
  'gpt-4.1-mini': {
    providerType: 'openai',
    inputUsdPerMTok: 0.4,
    outputUsdPerMTok: 1.6,
    cachedInputUsdPerMTok: 0.1,
    imageTokens: 3_000,
  },
  'gpt-4.1-nano': {
    providerType: 'openai',
    inputUsdPerMTok: 0.1,
    outputUsdPerMTok: 0.4,
    cachedInputUsdPerMTok: 0.025,
    imageTokens: 3_000,
  },
  'gpt-4o': {
    providerType: 'openai',
    inputUsdPerMTok: 2.5,
    outputUsdPerMTok: 10,
    cachedInputUsdPerMTok: 1.25,
    imageTokens: 3_000,
  },
  'gpt-4o-mini': {
    providerType: 'openai',
    inputUsdPerMTok: 0.15,
    outputUsdPerMTok: 0.6,
    cachedInputUsdPerMTok: 0.075,
    imageTokens: 25_600,
  },
  'o4-mini': {
    providerType: 'openai',
    inputUsdPerMTok: 1.1,
    outputUsdPerMTok: 4.4,
    cachedInputUsdPerMTok: 0.275,
    imageTokens: 3_000,
  },
  'claude-opus-4-5': {
    providerType: 'anthropic',
    inputUsdPerMTok: 5,
    outputUsdPerMTok: 25,
    cachedInputUsdPerMTok: 0.5,
    imageTokens: 1_600,
  },
  'claude-opus-4-1': {
    providerType: 'anthropic',
    inputUsdPerMTok: 15,
    outputUsdPerMTok: 75,
    cachedInputUsdPerMTok: 1.5,
    imageTokens: 1_600,
  },
  'claude-sonnet-4-5': {
    providerType: 'anthropic',
    inputUsdPerMTok: 3,
    outputUsdPerMTok: 15,
    cachedInputUsdPerMTok: 0.3,
    imageTokens: 1_600,
  },
  'claude-sonnet-4-0': {
    providerType: 'anthropic',
    inputUsdPerMTok: 3,
    outputUsdPerMTok: 15,
    cachedInputUsdPerMTok: 0.3,
    imageTokens: 1_600,
  },
  'claude-haiku-4-5': {
    providerType: 'anthropic',
    inputUsdPerMTok: 1,
    outputUsdPerMTok: 5,
    cachedInputUsdPerMTok: 0.1,
    imageTokens: 1_600,
  },
  'claude-3-5-haiku-latest': {
    providerType: 'anthropic',
    inputUsdPerMTok: 0.8,
    outputUsdPerMTok: 4,
    cachedInputUsdPerMTok: 0.08,
    imageTokens: 1_600,
  },
  'gemini-2.5-pro': {
    providerType: 'gemini',
    inputUsdPerMTok: 1.25,
    outputUsdPerMTok: 10,
    cachedInputUsdPerMTok: 0.125,
    imageTokens: 1_100,
  },
  'gemini-2.5-flash': {
    providerType: 'gemini',
    inputUsdPerMTok: 0.3,
    outputUsdPerMTok: 2.5,
    cachedInputUsdPerMTok: 0.075,
    imageTokens: 1_100,
  },
  'gemini-2.5-flash-lite': {
    providerType: 'gemini',
    inputUsdPerMTok: 0.1,
    outputUsdPerMTok: 0.4,
    cachedInputUsdPerMTok: 0.025,
    imageTokens: 1_100,
  },
  'gemini-2.0-flash': {
    providerType: 'gemini',
    inputUsdPerMTok: 0.1,
    outputUsdPerMTok: 0.4,
    cachedInputUsdPerMTok: 0.025,
    imageTokens: 1_100,
  },
  'text-embedding-3-small': { providerType: 'openai', inputUsdPerMTok: 0.02, outputUsdPerMTok: 0, kind: 'embedding' },
  'text-embedding-3-large': { providerType: 'openai', inputUsdPerMTok: 0.13, outputUsdPerMTok: 0, kind: 'embedding' },
  'text-embedding-ada-002': { providerType: 'openai', inputUsdPerMTok: 0.1, outputUsdPerMTok: 0, kind: 'embedding' },
  'gemini-embedding-001': { providerType: 'gemini', inputUsdPerMTok: 0.15, outputUsdPerMTok: 0, kind: 'embedding' },
};
