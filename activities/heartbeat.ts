import type { Context } from '@temporalio/activity';

/** How often a long activity heartbeats: well inside the workflows' 10 s heartbeat timeout. */
export const HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * Runs `work` while heartbeating every {@link HEARTBEAT_INTERVAL_MS}, so that a worker that dies mid-call is
 * noticed within the heartbeat timeout and the activity is retried elsewhere, long before its start-to-close
 * timeout.
 */
export async function withHeartbeat<T>(context: Context, work: () => Promise<T>): Promise<T> {
  const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
  }
}
