import { Connection } from '@temporalio/client';
import { registerSearchAttributes } from '../worker/register-search-attributes';

/**
 * `scripts/fleet/up.sh`'s last step: registers the namespace (TEMPORAL_NAMESPACE, default "default") and
 * Switchyard's search attributes on the Temporal server at TEMPORAL_ADDRESS. Idempotent.
 */
async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const connection = await Connection.connect({ address });
  try {
    const { namespaceCreated, added } = await registerSearchAttributes(connection, namespace);
    const what = [
      namespaceCreated ? `created namespace ${namespace}` : `namespace ${namespace} exists`,
      added.length > 0 ? `registered ${added.join(', ')}` : 'every search attribute is registered',
    ];
    console.log(`fleet: ${what.join('; ')}`);
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(`fleet: registering the namespace and search attributes failed: ${(err as Error).message}`);
  process.exitCode = 1;
});
