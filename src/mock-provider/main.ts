import type { Logger } from 'pino';
import { MockProviderConfigError, readMockProviderEnv } from './env-config';
import { startMockProvider } from './server';
import { LogFormatError } from '../telemetry/log-format';
import { createLogger } from '../telemetry/logger';

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
}

let logger: Logger | undefined;

async function main(): Promise<void> {
  // The same logger as the api and worker, so the three read alike on a console and in a collector.
  logger = createLogger('mock');
  const options = readMockProviderEnv(process.env);
  const mock = await startMockProvider(options);
  const { port: _port, host: _host, ...behavior } = options;
  logger.info({ url: mock.url, behavior }, 'mock provider listening');
  const signal = await nextStopSignal();
  logger.info({ signal }, 'mock provider stopping');
  await mock.close();
}

main().catch((err: unknown) => {
  // A configuration mistake is a message for the person starting the mock, as the api's and worker's are.
  if (err instanceof MockProviderConfigError || err instanceof LogFormatError || !logger)
    console.error(err instanceof Error ? err.message : String(err));
  else logger.error({ err }, 'mock provider failed');
  process.exit(1);
});
