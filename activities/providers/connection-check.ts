import type { ProviderType } from '../../src/contract/chat';
import { FailureType } from '../../src/contract/failure-types';
import { ProviderError } from './provider-error';
import type { ProviderAdapter, ProviderConnection } from './types';

/** Why `connection` cannot serve `type`, or `undefined` when it can. */
export function connectionProblem(type: ProviderType, connection: ProviderConnection): string | undefined {
  if (connection.apiKey.trim() === '') return `The ${type} connection has no API key`;
  // Without a base URL the SDK would send the compatible server's key to api.openai.com.
  if (type === 'openai-compatible' && !connection.baseUrl) return 'An openai-compatible connection needs a baseUrl';
  // The SDKs reject anything else, some only at call time and with an error of their own.
  if (!Number.isInteger(connection.timeoutMs) || connection.timeoutMs <= 0) {
    return `The ${type} connection's timeoutMs must be a positive integer, got ${connection.timeoutMs}`;
  }
  return undefined;
}

/**
 * An adapter for a connection that cannot work: every call rejects with NOT_CONFIGURED. Rejecting per
 * call, rather than throwing while the worker builds its adapters, lets the workflow give up on this
 * target and fall back to the next one while the rest of the worker keeps serving.
 */
export function unconfiguredAdapter(type: ProviderType, problem: string): ProviderAdapter {
  return {
    type,
    chat: () => Promise.reject(new ProviderError(FailureType.NotConfigured, problem)),
  };
}
