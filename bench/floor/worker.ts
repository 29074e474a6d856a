/**
 * The floor's worker process: a workflow worker and an activity worker on their own task queues, in one
 * process, as Switchyard's worker hosts its jobs queue and its provider queues.
 *
 *   TEMPORAL_ADDRESS=127.0.0.1:7233 FLOOR_TASK_QUEUE=bench-floor tsx bench/floor/worker.ts
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { floorActivities } from './activities';
import { FLOOR_ACTIVITY_QUEUE } from './workflows';

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const workflows = await Worker.create({
    connection,
    taskQueue: process.env.FLOOR_TASK_QUEUE ?? 'bench-floor',
    workflowsPath: require.resolve('./workflows'),
    maxConcurrentWorkflowTaskExecutions: 40,
    maxCachedWorkflows: 2_000,
  });
  const activities = await Worker.create({
    connection,
    taskQueue: FLOOR_ACTIVITY_QUEUE,
    activities: floorActivities,
    maxConcurrentActivityTaskExecutions: 200,
  });
  process.send?.('ready');
  console.log('floor worker ready');
  await Promise.all([workflows.run(), activities.run()]);
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
