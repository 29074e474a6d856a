import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Where to look for a worker: the Temporal server, the namespace and the task queue it serves. */
export interface PollTarget {
  address: string;
  namespace: string;
  taskQueue: string;
}

/**
 * True once every worker process in `pids` has polled `taskQueue` for workflow tasks. A job submitted before
 * then waits for a worker to finish starting (under `npm run dev`, webpack bundles the workflows first), so the
 * launchers say they are running only after this. A worker is known by the SDK's default identity, `pid@host`:
 * pollers left by an earlier run against the same server do not count.
 */
export async function workersPoll(target: PollTarget, pids: readonly number[]): Promise<boolean> {
  const connection = await Connection.connect({ address: target.address, connectTimeout: 1_000 });
  try {
    const described = await connection.workflowService.describeTaskQueue({
      namespace: target.namespace,
      taskQueue: { name: target.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const identities = (described.pollers ?? []).map((poller) => poller.identity ?? '');
    return pids.every((pid) => identities.some((identity) => identity.startsWith(`${pid}@`)));
  } finally {
    await connection.close();
  }
}
