import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startDevServer, type DevServer } from './dev-server';
import { publishSharedBundle } from './workflow-bundle';

declare global {
  // Shared between jest's global setup and teardown (same process).
  var __SWITCHYARD_DEV_SERVER__: DevServer | undefined;
}

/**
 * One Temporal dev server for the whole test run (in memory, free ports). Test files connect to it
 * through TEMPORAL_ADDRESS and isolate themselves with their own task-queue prefix.
 * SWITCHYARD_TEST_NO_TEMPORAL=1 skips it for runs of pure unit tests.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.SWITCHYARD_TEST_NO_TEMPORAL === '1') return;
  // Build (or find) the CLI first, so its one-off build time is not counted against the server's start.
  execFileSync('bash', [resolve(__dirname, '../../scripts/install-temporal.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const [server] = await Promise.all([startDevServer(), publishSharedBundle()]);
  globalThis.__SWITCHYARD_DEV_SERVER__ = server;
  process.env.TEMPORAL_ADDRESS = server.address;
}
