import { removeSharedBundle } from './workflow-bundle';

/** Stops the dev server the global setup started and removes the shared workflow bundle. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__SWITCHYARD_DEV_SERVER__?.stop();
  removeSharedBundle();
}
