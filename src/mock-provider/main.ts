import { readMockProviderEnv } from './env-config';
import { startMockProvider } from './server';

function log(level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, time: new Date().toISOString(), name: 'mock-provider', msg, ...fields });
  (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
}

async function main(): Promise<void> {
  const options = readMockProviderEnv(process.env);
  const mock = await startMockProvider(options);
  const { port: _port, host: _host, ...behavior } = options;
  log('info', 'mock provider listening', { url: mock.url, behavior });
  const signal = await nextStopSignal();
  log('info', 'mock provider stopping', { signal });
  await mock.close();
}

main().catch((err: unknown) => {
  log('error', err instanceof Error ? err.message : String(err));
  process.exit(1);
});
