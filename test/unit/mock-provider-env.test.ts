import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import {
  DEFAULT_MOCK_PROVIDER_PORT,
  MockProviderConfigError,
  readMockProviderEnv,
} from '../../src/mock-provider/env-config';

describe('mock provider environment', () => {
  it('when nothing is set, it listens on 127.0.0.1:8090 with the default behavior', () => {
    expect(readMockProviderEnv({})).toEqual({ port: DEFAULT_MOCK_PROVIDER_PORT, host: '127.0.0.1' });
  });

  it('when every variable is set, each one reaches the options', () => {
    const options = readMockProviderEnv({
      MOCK_PROVIDER_PORT: '0',
      MOCK_PROVIDER_HOST: '0.0.0.0',
      MOCK_PROVIDER_LATENCY_MS: '25',
      MOCK_PROVIDER_ERROR_RATES: '500:0.1, 429:0.05,hang:0.01,malformed:0.02',
      MOCK_PROVIDER_RETRY_AFTER_SECONDS: '3',
      MOCK_PROVIDER_KEY_RPM: '600',
      MOCK_PROVIDER_SEED: '7',
    });

    expect(options).toEqual({
      port: 0,
      host: '0.0.0.0',
      latencyMs: 25,
      errorRates: { '500': 0.1, '429': 0.05, hang: 0.01, malformed: 0.02 },
      retryAfterSeconds: 3,
      keyRateLimitPerMinute: 600,
      seed: 7,
    });
  });

  it.each([
    ['MOCK_PROVIDER_PORT', '70000', /MOCK_PROVIDER_PORT: expected a port/],
    ['MOCK_PROVIDER_LATENCY_MS', 'soon', /MOCK_PROVIDER_LATENCY_MS: expected a non-negative number/],
    ['MOCK_PROVIDER_ERROR_RATES', '500=0.1', /MOCK_PROVIDER_ERROR_RATES: expected kind:probability pairs/],
    ['MOCK_PROVIDER_ERROR_RATES', '418:0.1', /MOCK_PROVIDER_ERROR_RATES.*unknown fault kind/],
    ['MOCK_PROVIDER_ERROR_RATES', '500:0.7,503:0.7', /MOCK_PROVIDER_ERROR_RATES.*more than 1/],
    ['MOCK_PROVIDER_RETRY_AFTER_SECONDS', '-1', /MOCK_PROVIDER_RETRY_AFTER_SECONDS/],
    ['MOCK_PROVIDER_KEY_RPM', '1.5', /MOCK_PROVIDER_KEY_RPM: expected a positive integer/],
  ])('when %s is "%s", reading fails with an error naming the variable', (variable, value, message) => {
    const read = (): unknown => readMockProviderEnv({ [variable]: value });

    expect(read).toThrow(MockProviderConfigError);
    expect(read).toThrow(message);
  });
});

describe('mock provider process', () => {
  const main = resolve(__dirname, '../../src/mock-provider/main.ts');
  // `node --import tsx` keeps the mock in one process, so the signal reaches it directly.
  const run = (env: NodeJS.ProcessEnv): ReturnType<typeof execFile> =>
    execFile(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, ...env } }, () => undefined);

  it('when a variable is invalid, the process exits 1 and names the variable', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = run({ MOCK_PROVIDER_KEY_RPM: 'lots' });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => done({ code, stderr }));
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MOCK_PROVIDER_KEY_RPM');
  });

  it('when started, it logs its URL as one JSON line, serves requests and stops cleanly on SIGTERM', async () => {
    const child = run({ MOCK_PROVIDER_PORT: '0' });
    try {
      const firstLine = await new Promise<string>((done) => {
        let stdout = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) done(stdout.slice(0, stdout.indexOf('\n')));
        });
      });
      const log = JSON.parse(firstLine) as { msg: string; url: string };
      const health = await fetch(`${log.url}/healthz`);
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      child.kill('SIGTERM');

      expect(log.msg).toBe('mock provider listening');
      expect(health.status).toBe(200);
      expect(await exited).toBe(0);
    } finally {
      // Only matters when an assertion failed before the SIGTERM: never leave the process behind.
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
