import { runInNewContext } from 'node:vm';
import { createLogger } from '../../src/telemetry/logger';
import { forwardSdkLog } from '../../src/telemetry/sdk-log-bridge';
import { MemoryLog } from '../helpers/memory-log';

function workerLogger(level: 'info' | 'debug') {
  const out = new MemoryLog();
  return { out, logger: createLogger('worker', level, { format: 'json', destination: out }) };
}

describe("the Temporal SDK's logs", () => {
  test('an error in the metadata is logged with its type, message and stack, not as {}', () => {
    const { out, logger } = workerLogger('info');
    const failure = new RangeError('budget exhausted');

    forwardSdkLog(logger, { level: 'WARN', message: 'Workflow failed', meta: { error: failure, workflowId: 'job_1' } });

    const [record] = out.records();
    expect(record).toMatchObject({ level: 40, msg: 'Workflow failed', workflowId: 'job_1', sdk: true });
    expect(record?.error).toMatchObject({ type: 'RangeError', message: 'budget exhausted' });
    expect(String((record?.error as { stack?: unknown }).stack)).toContain('RangeError: budget exhausted');
  });

  test("an error from a workflow's own V8 context is recognised as an error too", () => {
    const { out, logger } = workerLogger('info');
    // Workflow code runs in a separate context whose Error is not this realm's Error.
    const foreign: unknown = runInNewContext('new TypeError("from the sandbox")');

    forwardSdkLog(logger, { level: 'ERROR', message: 'Workflow failed', meta: { error: foreign } });

    expect(out.records()[0]?.error).toMatchObject({ type: 'TypeError', message: 'from the sandbox' });
  });

  test("a failed attempt's warning stays a warning but never prints the activity's task token", () => {
    const { out, logger } = workerLogger('info');

    forwardSdkLog(logger, {
      level: 'WARN',
      message: 'Activity failed',
      meta: {
        error: new Error('upstream 503'),
        taskToken: 'CiQ0ZjU2-secret',
        attempt: 2,
        activityType: 'callProvider',
      },
    });

    const [record] = out.records();
    expect(record).toMatchObject({ level: 40, msg: 'Activity failed', attempt: 2, activityType: 'callProvider' });
    expect(record).not.toHaveProperty('taskToken');
    expect(out.lines.join('\n')).not.toContain('CiQ0ZjU2-secret');
  });

  test('"No workflows registered" from an activity-only worker is debug, not a start-up warning', () => {
    const info = workerLogger('info');
    const debug = workerLogger('debug');
    const entry = { level: 'WARN' as const, message: 'No workflows registered, not polling for workflow tasks' };

    forwardSdkLog(info.logger, entry);
    forwardSdkLog(debug.logger, entry);
    forwardSdkLog(info.logger, { level: 'WARN', message: 'Worker state changed' });

    expect(info.out.records()).toEqual([expect.objectContaining({ level: 40, msg: 'Worker state changed' })]);
    expect(debug.out.records()).toEqual([expect.objectContaining({ level: 20, msg: entry.message })]);
  });

  test('routine start-up reports are debug; a worker stopping or failing is still reported', () => {
    const { out, logger } = workerLogger('info');

    forwardSdkLog(logger, { level: 'INFO', message: 'No Nexus services registered, not polling for Nexus tasks' });
    forwardSdkLog(logger, { level: 'INFO', message: 'Worker state changed', meta: { state: 'RUNNING' } });
    forwardSdkLog(logger, { level: 'INFO', message: 'asset bundle.js 1.69 MiB\nwebpack 5.0.0 compiled successfully' });
    forwardSdkLog(logger, { level: 'INFO', message: 'Worker state changed', meta: { state: 'STOPPING' } });
    forwardSdkLog(logger, { level: 'ERROR', message: 'webpack 5.0.0 compiled with 1 error' });

    expect(out.records()).toEqual([
      expect.objectContaining({ level: 30, msg: 'Worker state changed', state: 'STOPPING' }),
      expect.objectContaining({ level: 50, msg: 'webpack 5.0.0 compiled with 1 error' }),
    ]);
  });
});
