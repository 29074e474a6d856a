import { ApplicationFailure } from '@temporalio/activity';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from '../src/contract/failure-types';
import type { ProviderError } from './providers/provider-error';

/** What a failure carries across Temporal besides its type and message. */
export interface FailureDetails {
  attempt: number;
  status?: number;
  providerCode?: string;
}

/**
 * Turns a classified provider error into the `ApplicationFailure` Temporal's retry policy acts on:
 * non-retryable types stop retries, and a 429 carries the provider's Retry-After as the next delay.
 */
export function toApplicationFailure(err: ProviderError, attempt: number): ApplicationFailure {
  const details: FailureDetails = { attempt, status: err.details.status, providerCode: err.details.providerCode };
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: NON_RETRYABLE_FAILURE_TYPES.includes(err.type),
    nextRetryDelay:
      err.type === FailureType.RateLimited && err.details.retryAfterMs !== undefined
        ? Math.max(1, Math.round(err.details.retryAfterMs))
        : undefined,
    details: [details],
  });
}
