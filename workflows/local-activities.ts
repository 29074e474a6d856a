import { proxyLocalActivities } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { StoreSteps } from '../src/contract/activities';

/** Retries of a store step: a store that does not answer within about a minute and a half fails the step. */
export const STORE_STEP_RETRY: RetryPolicy = {
  initialInterval: '100ms',
  backoffCoefficient: 2,
  maximumInterval: '5s',
  maximumAttempts: 20,
};

/**
 * Cache and budget steps: short store operations run as local activities in the workflow's own worker,
 * which spares them a trip through a task queue. Every one of them is idempotent, so retries are safe.
 */
export const storeSteps = proxyLocalActivities<StoreSteps>({
  startToCloseTimeout: '10s',
  retry: STORE_STEP_RETRY,
});

/**
 * Settling money: commit and release retry until they succeed. After a paid call the only acceptable ends
 * are "charged" or "still trying"; a store outage makes the job wait for the store, never lose the charge
 * or leak the reservation.
 */
export const settleSteps = proxyLocalActivities<StoreSteps>({
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: Number.POSITIVE_INFINITY,
    // An amount the ledger rejects as invalid never becomes valid by retrying.
    nonRetryableErrorTypes: ['RangeError'],
  },
});
