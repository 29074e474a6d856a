import { call, chatBody, inParallel, waitForJob } from '../lib/client';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { BENCH_SCALE } from '../lib/settings';
import { round, summarize } from '../lib/stats';

const SUBMIT_IN_FLIGHT = 200;
/** Jobs awaited at once with `?wait=60`; bounded so the waits do not crowd out the submits. */
const WAIT_IN_FLIGHT = 64;

/**
 * (d) Asynchronous jobs: `POST /v1/jobs` answers 202 as soon as the workflow has started; then how fast the
 * submitted jobs actually complete.
 */
export const asyncScenario: Scenario = {
  id: 'async',
  async run(stack): Promise<ScenarioResult> {
    const jobs = Math.max(200, Math.round(1_000 * BENCH_SCALE));
    const run = Date.now();
    const refused: Record<string, number> = {};
    const ids: string[] = [];
    const submitLatencies: number[] = [];
    const started = performance.now();
    await inParallel(jobs, SUBMIT_IN_FLIGHT, async (i) => {
      const sent = performance.now();
      const answer = await call(stack.apiUrl, stack.apiKey, 'POST', '/v1/jobs', chatBody(`async ${run} ${i}`));
      submitLatencies.push(performance.now() - sent);
      if (answer.status === 202 && typeof answer.body.id === 'string') ids.push(answer.body.id);
      else refused[answer.status] = (refused[answer.status] ?? 0) + 1;
    });
    const submitSeconds = (performance.now() - started) / 1000;
    const ended = await inParallel(ids.length, WAIT_IN_FLIGHT, (i) =>
      waitForJob(stack.apiUrl, stack.apiKey, ids[i] ?? ''),
    );
    const lastEnded = Math.max(...ended.map((job) => job.endedAt));
    const completeSeconds = (lastEnded - started) / 1000;
    const completed = ended.filter((job) => job.status === 'completed').length;
    const submit = summarize(submitLatencies);
    const refusedText =
      Object.entries(refused)
        .map(([status, count]) => `${status}×${count}`)
        .join(' ') || '0';
    const submitsPerSecond = round(ids.length / submitSeconds);
    const completedPerSecond = round(completed / completeSeconds);
    return {
      id: 'async',
      title: 'async: POST /v1/jobs (202) then completion',
      load: `${jobs} submits with ${SUBMIT_IN_FLIGHT} in flight; completion awaited with ?wait=60, ${WAIT_IN_FLIGHT} at a time`,
      table: {
        columns: ['phase', 'jobs', 'per second', 'p50 ms', 'p99 ms', 'refused (503/429…)', 'not completed'],
        rows: [
          ['submit → 202', ids.length, submitsPerSecond, submit.p50, submit.p99, refusedText, ''],
          ['first submit → last completed', completed, completedPerSecond, NaN, NaN, '', ids.length - completed],
        ],
      },
      summary: [
        { label: 'async submits/s (202)', value: submitsPerSecond, unit: 'jobs/s', vsFloor: 'throughput' },
        { label: 'async completions/s', value: completedPerSecond, unit: 'jobs/s', vsFloor: 'throughput' },
      ],
      data: {
        jobs,
        accepted: ids.length,
        refused,
        submitSeconds: round(submitSeconds, 2),
        submit,
        completed,
        completeSeconds: round(completeSeconds, 2),
        submitsPerSecond,
        completedPerSecond,
      },
    };
  },
};
