import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

/**
 * Where `npm run build` leaves the bundled workflows: `dist/workflow-bundle.js`, beside the compiled sources.
 * A worker that loads it skips webpack at start-up (seconds of CPU, and memory it never gives back).
 */
export const WORKFLOW_BUNDLE_PATH = join(__dirname, '..', '..', 'workflow-bundle.js');

/** The prebuilt bundle when this process runs from `dist/` and the build made one; undefined otherwise. */
export function prebuiltWorkflowBundle(): WorkerOptions['workflowBundle'] | undefined {
  return existsSync(WORKFLOW_BUNDLE_PATH) ? { codePath: WORKFLOW_BUNDLE_PATH } : undefined;
}
