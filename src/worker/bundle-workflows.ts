/**
 * Bundles the workflows into `dist/workflow-bundle.js` (run by `npm run build` after tsc), so workers started
 * from `dist/` load them as they are instead of running webpack at every start.
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_PATH } from './workflow-bundle';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: console.warn,
      error: console.error,
    },
  });
  writeFileSync(WORKFLOW_BUNDLE_PATH, code);
}

main().catch((err: unknown) => {
  console.error('bundling the workflows failed:', err);
  process.exitCode = 1;
});
