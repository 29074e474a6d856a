import type { GenerateContentParameters } from '@google/genai';
import { FailureType } from '../../../src/contract/failure-types';
import { ProviderError } from '../provider-error';

/**
 * Rejects parameters with no turn at all, before any call. The SDK would throw a plain Error for them, which
 * would read as a provider fault: retried, and counted against the circuit every tenant shares. The request
 * is invalid.
 */
export function requireTurns(params: GenerateContentParameters): void {
  if (params.contents === undefined || (Array.isArray(params.contents) && params.contents.length === 0)) {
    throw new ProviderError(FailureType.InvalidRequest, 'Gemini needs at least one user or assistant message.', {
      status: 400,
    });
  }
}
