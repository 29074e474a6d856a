import { ConfigError, loadConfig } from '../../src/config';
import { chooseLogFormat, LogFormatError } from '../../src/telemetry/log-format';
import { createLogger } from '../../src/telemetry/logger';
import { formatPrettyLine } from '../../src/telemetry/pretty-line';
import { MemoryLog } from '../helpers/memory-log';

describe('choosing the log format', () => {
  test('on a terminal the logs are pretty, anywhere else JSON', () => {
    expect(chooseLogFormat(undefined, true)).toBe('pretty');
    expect(chooseLogFormat(undefined, false)).toBe('json');
    expect(chooseLogFormat('', true)).toBe('pretty');
  });

  test('LOG_FORMAT overrides what the terminal suggests, both ways', () => {
    expect(chooseLogFormat('json', true)).toBe('json');
    expect(chooseLogFormat('pretty', false)).toBe('pretty');
  });

  test('an unknown LOG_FORMAT is an error naming the variable and the accepted values', () => {
    expect(() => chooseLogFormat('yaml', true)).toThrow(LogFormatError);
    expect(() => chooseLogFormat('yaml', true)).toThrow('LOG_FORMAT: use "json" or "pretty" (got "yaml")');
  });

  test('the config rejects an unknown LOG_FORMAT, naming the variable', () => {
    const load = () => loadConfig({ SWITCHYARD_API_KEY: 'sk-test', LOG_FORMAT: 'yaml' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/LOG_FORMAT/);
    expect(() => loadConfig({ SWITCHYARD_API_KEY: 'sk-test', LOG_FORMAT: 'pretty' })).not.toThrow();
  });
});

describe('the two formats', () => {
  test('JSON: one object per line with the component, and errors with type, message and stack', () => {
    const out = new MemoryLog();
    const logger = createLogger('api', 'info', { format: 'json', destination: out });

    logger.error({ err: new TypeError('no such tenant') }, 'request failed');

    const [record] = out.records();
    expect(record).toMatchObject({ level: 50, component: 'api', msg: 'request failed' });
    expect(record?.err).toMatchObject({ type: 'TypeError', message: 'no such tenant' });
    expect(String((record?.err as { stack?: unknown }).stack)).toContain('TypeError: no such tenant');
  });

  test('pretty: a provider call is one short line with target, latency, usage, cost and job', async () => {
    const out = new MemoryLog();
    const logger = createLogger('worker', 'info', { format: 'pretty', destination: out });

    logger.info(
      {
        jobId: 'job_abc',
        provider: 'openai',
        model: 'gpt-4o-mini',
        attempt: 1,
        status: 'ok',
        latencyMs: 412,
        inputTokens: 12,
        outputTokens: 40,
        costUsd: 0.0000258,
      },
      'provider call',
    );
    const line = await out.lineMatching((text) => text.includes('provider call'));

    expect(line).toMatch(
      /^\d\d:\d\d:\d\d INFO {2}worker provider call ok openai:gpt-4o-mini 412ms in=12 out=40 \$0\.0000258 job=job_abc$/,
    );
  });

  test('pretty: a request line shows method, path, status, duration, job, tenant and model, and no headers', () => {
    const line = formatPrettyLine({
      level: 30,
      time: Date.now(),
      component: 'api',
      req: { id: 1, method: 'POST', url: '/v1/jobs' },
      res: { statusCode: 202 },
      responseTime: 4,
      jobId: 'job_abc',
      tenantId: 'acme',
      model: 'gpt-4o-mini',
      msg: 'POST /v1/jobs 202 4ms',
    });

    expect(line).toMatch(
      /^\d\d:\d\d:\d\d INFO {2}api {4}POST \/v1\/jobs 202 4ms job=job_abc tenant=acme model=gpt-4o-mini$/,
    );
  });

  test('pretty: a retry shows its attempt; a failure shows its error type and message, with the stack at error', () => {
    const warn = formatPrettyLine({
      level: 40,
      time: Date.now(),
      component: 'worker',
      msg: 'provider call',
      status: 'server_error',
      provider: 'openai',
      attempt: 2,
      err: {
        type: 'ProviderError',
        message: 'upstream 503',
        stack: 'ProviderError: upstream 503\n    at call (x.ts:1:1)',
      },
    });
    const error = formatPrettyLine({
      level: 50,
      time: Date.now(),
      component: 'api',
      msg: 'request failed',
      err: { type: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at route (y.ts:2:2)' },
    });

    expect(warn).toContain('WARN  worker provider call server_error openai attempt=2 ProviderError: upstream 503');
    expect(warn).not.toContain('x.ts');
    expect(error.split('\n')).toEqual([
      expect.stringContaining('request failed TypeError: boom'),
      '    at route (y.ts:2:2)',
    ]);
  });
});
