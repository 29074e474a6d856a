import { call, chatBody, sleep, waitForJob, type EndedJob } from '../lib/client';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { scaled } from '../lib/settings';
import { POOL } from '../lib/stack';
import { round, summarize } from '../lib/stats';

/** Offered load as a multiple of what the pool's keys allow together. */
const OVERLOAD = 1.5;

/**
 * (g) Goodput under per-key provider limits: a pool of keys, each limited per minute by the provider (the
 * mock) and in the config, offered more than the pool allows; what completes, and how many 429s it took.
 */
export const goodputScenario: Scenario = {
  id: 'goodput',
  async run(stack): Promise<ScenarioResult> {
    const poolPerMinute = POOL.keys.length * POOL.requestsPerMinute;
    const offeredPerSecond = (poolPerMinute * OVERLOAD) / 60;
    const seconds = scaled(60, 10);
    const jobs = Math.round(offeredPerSecond * seconds);
    const run = Date.now();
    const before = stack.poolMock.stats();
    const started = performance.now();
    const refused: Record<string, number> = {};
    const pending: Promise<(EndedJob & { submittedAt: number }) | undefined>[] = [];
    for (let i = 0; i < jobs; i++) {
      const due = started + (i * 1000) / offeredPerSecond;
      await sleep(Math.max(0, due - performance.now()));
      const submittedAt = performance.now();
      pending.push(
        call(
          stack.apiUrl,
          stack.apiKey,
          'POST',
          '/v1/jobs',
          chatBody(`goodput ${run} ${i}`, `${POOL.provider}:gpt-4o-mini`),
        ).then(async (answer) => {
          if (answer.status !== 202 || typeof answer.body.id !== 'string') {
            refused[answer.status] = (refused[answer.status] ?? 0) + 1;
            return undefined;
          }
          return { ...(await waitForJob(stack.apiUrl, stack.apiKey, answer.body.id)), submittedAt };
        }),
      );
    }
    const loadEnded = performance.now();
    const ended = (await Promise.all(pending)).filter((job) => job !== undefined);
    const completed = ended.filter((job) => job.status === 'completed');
    const inWindow = completed.filter((job) => job.endedAt <= loadEnded).length;
    const drainSeconds = (Math.max(...ended.map((job) => job.endedAt)) - started) / 1000;
    const after = stack.poolMock.stats();
    const provider429s = (after.byStatus['429'] ?? 0) - (before.byStatus['429'] ?? 0);
    const providerCalls = after.total - before.total;
    const latency = summarize(completed.map((job) => job.endedAt - job.submittedAt));
    const loadMinutes = (loadEnded - started) / 60_000;
    const perMinuteInWindow = round(inWindow / loadMinutes);
    const perMinuteOverall = round(completed.length / (drainSeconds / 60));
    const refusedText =
      Object.entries(refused)
        .map(([status, count]) => `${status}×${count}`)
        .join(' ') || '0';
    return {
      id: 'goodput',
      title: `goodput: key pool of ${POOL.keys.length} × ${POOL.requestsPerMinute} rpm offered ${OVERLOAD}× its rate`,
      load: `${jobs} async jobs at ${round(offeredPerSecond, 2)}/s for ${seconds} s (pool limit ${poolPerMinute}/min), then drained`,
      table: {
        columns: [
          'offered/min',
          'pool limit/min',
          'completed/min (load)',
          'completed/min (to drain)',
          'completed',
          'failed',
          'provider 429s',
          'provider calls',
          'job p50 ms',
          'job p99 ms',
          'refused',
          'drain s',
        ],
        rows: [
          [
            round(offeredPerSecond * 60),
            poolPerMinute,
            perMinuteInWindow,
            perMinuteOverall,
            completed.length,
            ended.length - completed.length,
            provider429s,
            providerCalls,
            latency.p50,
            latency.p99,
            refusedText,
            round(drainSeconds),
          ],
        ],
      },
      summary: [
        {
          label: 'goodput under key limits',
          value: perMinuteInWindow,
          unit: 'jobs/min',
          vsFloor: 'none',
          note: `pool limit ${poolPerMinute}/min, ${provider429s} provider 429s`,
        },
      ],
      data: {
        jobs,
        offeredPerMinute: offeredPerSecond * 60,
        poolPerMinute,
        seconds,
        completed: completed.length,
        failed: ended.length - completed.length,
        refused,
        perMinuteInWindow,
        perMinuteOverall,
        drainSeconds: round(drainSeconds, 2),
        provider429s,
        providerCalls,
        latency,
      },
    };
  },
};
