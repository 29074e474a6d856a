import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from './activity-types';

/**
 * Cache and budget steps: short store operations run as local activities in the workflow's own worker,
 * which spares them a trip through a task queue. Every one of them is idempotent, so retries are safe.
 */
export const storeSteps = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 20 },
});
