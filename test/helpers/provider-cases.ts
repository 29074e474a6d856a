import { APIUserAbortError as AnthropicUserAbortError } from '@anthropic-ai/sdk';
import { APIUserAbortError as OpenAIUserAbortError } from 'openai';
import type { ProviderType } from '../../src/contract/chat';

/** One provider type as the mock serves it. */
export interface ProviderCase {
  type: ProviderType;
  /** Where the mock serves this provider's wire format, as the SDK's base URL. */
  path: string;
  model: string;
}

/** Every provider type, each with a model of its catalogue. */
export const PROVIDERS: ProviderCase[] = [
  { type: 'openai', path: '/openai/v1', model: 'gpt-4o-mini' },
  { type: 'openai-compatible', path: '/openai/v1', model: 'llama3.1:8b' },
  { type: 'anthropic', path: '/anthropic', model: 'claude-haiku-4-5' },
  { type: 'gemini', path: '/gemini', model: 'gemini-2.5-flash' },
];

/** The error each SDK rejects with when the caller's signal aborts a call, which adapters let through. */
export const SDK_ABORT_ERRORS: Partial<
  Record<ProviderType, typeof OpenAIUserAbortError | typeof AnthropicUserAbortError>
> = {
  openai: OpenAIUserAbortError,
  'openai-compatible': OpenAIUserAbortError,
  anthropic: AnthropicUserAbortError,
};

/** A function tool with two required arguments, in OpenAI's shape. */
export const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city', 'days'],
    },
  },
};
