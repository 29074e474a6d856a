import { proxyActivities } from '@temporalio/workflow';
import type { FloorActivities } from './activities';

/** The activity task queue of the floor: another queue than the workflow's, like a provider call's. */
export const FLOOR_ACTIVITY_QUEUE = 'bench-floor-activities';

const { noop } = proxyActivities<FloorActivities>({ taskQueue: FLOOR_ACTIVITY_QUEUE, startToCloseTimeout: '10s' });

/** The least a durable job can cost: one workflow that calls one no-op activity on another task queue. */
export async function floorWorkflow(): Promise<string> {
  return noop();
}
