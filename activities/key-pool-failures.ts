import { ApplicationFailure } from '@temporalio/activity';
import { KEY_POOL_BUSY } from '../src/contract/failure-types';
import type { FailureDetails } from './failures';
import type { KeyPoolBusyError, PoolOutlook } from './key-pool';
import type { ProviderError } from './providers/provider-error';

/**
 * Pause before a retry that moves to another key which is free right now: long enough not to spin on a
 * store that has not caught up, short enough to be invisible.
 */
export const SWITCH_KEY_DELAY_MS = 100;

/** What a key-pool failure carries besides the usual details. */
export interface KeyFailureDetails extends FailureDetails {
  /** The key the failed call used. */
  keyAlias?: string;
  /** For KEY_POOL_BUSY: how long the workflow should wait before calling again. */
  retryAfterMs?: number;
}

/**
 * The failure for a 429 or an exhausted quota on key `keyAlias`, given what the pool offers next: another
 * key free now is retried almost at once, the soonest key later is retried when it frees up (a 429 is
 * retried as before, only on a key that can take it), and with every key out of quota the failure is final.
 */
export function keyFailure(err: ProviderError, attempt: number, keyAlias: string, outlook: PoolOutlook) {
  const details: KeyFailureDetails = {
    attempt,
    status: err.details.status,
    providerCode: err.details.providerCode,
    keyAlias,
  };
  if (outlook.next === 'none') {
    return ApplicationFailure.create({
      type: err.type,
      message: `${err.message} (key "${keyAlias}"; every key of the provider is now out)`,
      nonRetryable: true,
      details: [details],
    });
  }
  return ApplicationFailure.create({
    type: err.type,
    message: `${err.message} (key "${keyAlias}")`,
    nonRetryable: false,
    nextRetryDelay: outlook.next === 'now' ? SWITCH_KEY_DELAY_MS : outlook.inMs,
    details: [details],
  });
}

/** KEY_POOL_BUSY: no call was made; the workflow waits `retryAfterMs` and calls again (see `KEY_POOL_BUSY`). */
export function keyPoolBusyFailure(err: KeyPoolBusyError, attempt: number): ApplicationFailure {
  const details: KeyFailureDetails = { attempt, retryAfterMs: err.retryAfterMs };
  return ApplicationFailure.create({
    type: KEY_POOL_BUSY,
    message: err.message,
    nonRetryable: true,
    details: [details],
  });
}
