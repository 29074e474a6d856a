import { Client, Connection } from '@temporalio/client';
import { dataConverterFor } from '../codec/data-converter';
import { ConfigError, loadConfig } from '../config';
import { applyHeapGrowth } from '../runtime/heap-growth';
import { createLogger } from '../telemetry/logger';
import { startApi } from './server';

/** API process: serves until SIGINT/SIGTERM, then finishes in-flight requests and exits. */
async function main(): Promise<void> {
  applyHeapGrowth();
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  if (Object.keys(config.tenants).length === 0) {
    throw new ConfigError([
      'SWITCHYARD_API_KEY: set the key clients must send as "Authorization: Bearer <key>", or declare tenants in the config file',
    ]);
  }
  // Lazy, so the API starts (and answers /readyz with 503) even while Temporal is still coming up.
  const connection = Connection.lazy({ address: config.temporal.address });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFor(config),
  });
  const api = await startApi({ client, config, logger });
  logger.info({ url: api.url, temporal: config.temporal.address }, 'api listening');

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('api stopping');
  await api.close();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exitCode = 1;
});
