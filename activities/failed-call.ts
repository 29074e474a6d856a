import type { Logger } from 'pino';
import { FailureType } from '../src/contract/failure-types';
import { toApplicationFailure } from './failures';
import { KeyPoolBusyError, type KeyLease, type KeyPool } from './key-pool';
import { keyFailure, keyPoolBusyFailure } from './key-pool-failures';
import { ProviderError } from './providers/provider-error';

/** Where a provider call stood when it failed. */
export interface FailedCall {
  err: unknown;
  signal: AbortSignal;
  attempt: number;
  latencyMs: number;
  /** The pool and the key the call held, once it held one. */
  pool: KeyPool | undefined;
  lease: KeyLease | undefined;
  logger: Logger;
  /** The call's log line so far (ids, provider, model, attempt, key). */
  logFields: Record<string, unknown>;
}

/**
 * What a failed provider call throws, after logging it: the abort's reason when the call was cancelled (the SDKs'
 * own abort errors are not recognised by Temporal as a cancellation), KEY_POOL_BUSY when no key was free, and a
 * typed `ApplicationFailure` for the provider's errors, whose 429 cools its key down and whose exhausted quota
 * leaves its key out (in the shared store) before the failure says when a retry can find a key.
 */
export async function failedCallError({
  err,
  signal,
  attempt,
  latencyMs,
  pool,
  lease,
  logger,
  logFields,
}: FailedCall): Promise<unknown> {
  if (signal.aborted) {
    logger.info({ ...logFields, status: 'cancelled', latencyMs }, 'provider call');
    return signal.reason;
  }
  if (err instanceof KeyPoolBusyError) {
    logger.info({ ...logFields, status: 'keys_busy', retryAfterMs: err.retryAfterMs }, 'provider call');
    return keyPoolBusyFailure(err, attempt);
  }
  if (err instanceof ProviderError) {
    logger.warn(
      { ...logFields, status: err.type, httpStatus: err.details.status, latencyMs, error: err.message },
      'provider call',
    );
    if (pool && lease && err.type === FailureType.RateLimited) {
      return keyFailure(err, attempt, lease.alias, await pool.rateLimited(lease, err.details.retryAfterMs));
    }
    if (pool && lease && err.type === FailureType.QuotaExhausted) {
      return keyFailure(err, attempt, lease.alias, await pool.quotaExhausted(lease));
    }
    return toApplicationFailure(err, attempt);
  }
  logger.error({ ...logFields, status: 'error', latencyMs, err }, 'provider call');
  return err;
}
