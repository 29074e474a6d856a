import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';

/** Where the jest global setup leaves the bundle it built, for every test file of the run. */
const BUNDLE_ENV = 'SWITCHYARD_TEST_WORKFLOW_BUNDLE';

const silentBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};

function bundle() {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: silentBundlerLogger });
}

/**
 * Bundles the workflows once for the whole run (webpack takes seconds a time, and every test file that runs a
 * worker needs the bundle) and publishes the file's path to the test files through the environment.
 */
export async function publishSharedBundle(): Promise<void> {
  const { code } = await bundle();
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-bundle-')), 'workflows.js');
  writeFileSync(path, code);
  process.env[BUNDLE_ENV] = path;
}

/** Removes the bundle `publishSharedBundle` wrote. */
export function removeSharedBundle(): void {
  const path = process.env[BUNDLE_ENV];
  if (path) rmSync(dirname(path), { recursive: true, force: true });
}

let own: Promise<WorkflowBundleOption> | undefined;

/** The workflow bundle: the run's shared one, or one built for this test file when there is none. */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  const shared = process.env[BUNDLE_ENV];
  if (shared && existsSync(shared)) return Promise.resolve({ codePath: shared });
  own ??= bundle();
  return own;
}
