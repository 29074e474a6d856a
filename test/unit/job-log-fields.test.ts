import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { createLogger } from '../../src/telemetry/logger';
import { noteJobRun, withRequestLocals } from '../../src/telemetry/job-log-context';
import { formatPrettyLine } from '../../src/telemetry/pretty-line';
import { forwardSdkLog } from '../../src/telemetry/sdk-log-bridge';
import { MemoryLog } from '../helpers/memory-log';

const RUN = '0197c3e1-5b7a-7f3e-9d1c-2a4b6c8d0e1f';

function jsonLogger() {
  const out = new MemoryLog();
  return { out, logger: createLogger('worker', 'debug', { format: 'json', destination: out }) };
}

/** An activity environment whose activity runs in workflow `workflowId`, run `RUN`. */
function activityIn(workflowId: string): MockActivityEnvironment {
  const info: Partial<Info> = { workflowExecution: { workflowId, runId: RUN } };
  return new MockActivityEnvironment(info);
}

describe('log lines of a job', () => {
  test("a line written in a job's activity carries the job id, its workflow id and its run id", async () => {
    const { out, logger } = jsonLogger();

    await activityIn('job_abc').run(() =>
      Promise.resolve(logger.warn({ callId: 'c1' }, 'provider answer not journaled')),
    );

    expect(out.records()[0]).toMatchObject({ jobId: 'job_abc', workflowId: 'job_abc', runId: RUN, callId: 'c1' });
  });

  test("a flight's call keeps the job it names and says which workflow and run made it", async () => {
    const { out, logger } = jsonLogger();

    await activityIn('flight-key1').run(() => Promise.resolve(logger.info({ jobId: 'job_leader' }, 'provider call')));

    expect(out.records()[0]).toMatchObject({ jobId: 'job_leader', workflowId: 'flight-key1', runId: RUN });
  });

  test('a line written outside any activity or request carries no job fields', () => {
    const { out, logger } = jsonLogger();

    logger.info('worker started');

    expect(out.records()[0]).not.toHaveProperty('workflowId');
    expect(out.records()[0]).not.toHaveProperty('runId');
  });

  test('a request that started a job notes its run in res.locals, and its lines carry it', () => {
    const { out, logger } = jsonLogger();
    const locals: Record<string, unknown> = {};

    withRequestLocals(locals, () => {
      noteJobRun('job_started', RUN);
      logger.warn({ jobId: 'job_started' }, 'job failed');
      logger.warn({ jobId: 'job_other' }, 'no cancel mark');
    });

    expect(locals).toMatchObject({ workflowId: 'job_started', runId: RUN });
    const [own, other] = out.records();
    expect(own).toMatchObject({ jobId: 'job_started', workflowId: 'job_started', runId: RUN });
    // A line about another job never borrows the request's run.
    expect(other).toMatchObject({ jobId: 'job_other' });
    expect(other).not.toHaveProperty('runId');
  });

  test("the SDK's activity lines carry runId (not workflowRunId) and the job id", () => {
    const { out, logger } = jsonLogger();

    forwardSdkLog(logger, {
      level: 'WARN',
      message: 'Activity failed',
      meta: { workflowId: 'job_abc', workflowRunId: RUN, activityType: 'callProvider', taskToken: 'secret' },
    });

    const [record] = out.records();
    expect(record).toMatchObject({ jobId: 'job_abc', workflowId: 'job_abc', runId: RUN, activityType: 'callProvider' });
    expect(record).not.toHaveProperty('workflowRunId');
    expect(record).not.toHaveProperty('taskToken');
  });

  test("the SDK's lines of a flight carry its workflow id but no job id", () => {
    const { out, logger } = jsonLogger();

    forwardSdkLog(logger, {
      level: 'INFO',
      message: 'Workflow completed',
      meta: { workflowId: 'flight-k', runId: RUN },
    });

    expect(out.records()[0]).toMatchObject({ workflowId: 'flight-k', runId: RUN });
    expect(out.records()[0]).not.toHaveProperty('jobId');
  });

  test('the pretty line shows the job once and the run shortened', () => {
    const line = formatPrettyLine({
      level: 30,
      time: 0,
      component: 'worker',
      msg: 'provider call',
      status: 'ok',
      jobId: 'job_abc',
      workflowId: 'job_abc',
      runId: RUN,
    });

    expect(line).toContain(`job=job_abc run=${RUN.slice(0, 8)}`);
    expect(line).not.toContain('workflow=');
    expect(line).not.toContain(RUN);
  });

  test("the pretty line shows a flight's workflow apart from the job it names", () => {
    const line = formatPrettyLine({ level: 30, time: 0, msg: 'x', jobId: 'job_a', workflowId: 'flight-k', runId: RUN });

    expect(line).toContain(`job=job_a workflow=flight-k run=${RUN.slice(0, 8)}`);
  });
});
