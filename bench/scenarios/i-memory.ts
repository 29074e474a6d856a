import { call, chatBody, inParallel, sleep, waitForJob } from '../lib/client';
import { rssSampler } from '../lib/proc';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { scaled } from '../lib/settings';
import { SLOW_PROVIDER } from '../lib/stack';
import { round } from '../lib/stats';

const JOBS = 1_000;
const SUBMIT_IN_FLIGHT = 200;
const SAMPLE_EVERY_MS = 500;
/** Submits refused with 429/503 are retried after their Retry-After, this many times in all. */
const MAX_SUBMIT_ATTEMPTS = 10;
/** How long after the provider's answers are due the scenario still waits for jobs to end. */
const DRAIN_GRACE_MS = scaled(120, 30) * 1000;
/** Jobs awaited at once with `?wait=60` once all are submitted. */
const WAIT_IN_FLIGHT = 100;

/**
 * (i) Memory with 1,000 jobs in flight: the provider answers slowly enough that every job is running at
 * once; the API's and the worker's resident memory before and at the peak.
 */
export const memoryScenario: Scenario = {
  id: 'memory',
  async run(stack): Promise<ScenarioResult> {
    const latencyMs = scaled(30, 10) * 1000;
    const pids = { api: stack.pids.api, worker: stack.pids.worker, server: stack.pids.server };
    const baselineSampler = rssSampler(pids, SAMPLE_EVERY_MS);
    await sleep(3_000);
    const baseline = baselineSampler();

    stack.slowMock.setBehavior({ latencyMs });
    const providerInFlight = () => {
      const stats = stack.slowMock.stats();
      const answered = Object.values(stats.byStatus).reduce((sum, n) => sum + n, 0);
      return stats.total - answered - stats.abortedConnections;
    };
    let peakInFlight = 0;
    const watch = setInterval(() => (peakInFlight = Math.max(peakInFlight, providerInFlight())), SAMPLE_EVERY_MS);
    const sampler = rssSampler(pids, SAMPLE_EVERY_MS);
    const run = Date.now();
    const refused: Record<string, number> = {};
    const ids: string[] = [];
    const started = performance.now();
    try {
      await inParallel(JOBS, SUBMIT_IN_FLIGHT, async (i) => {
        // Admission control may refuse a burst with Retry-After; waiting it out is what a client does.
        for (let attempt = 0; attempt < MAX_SUBMIT_ATTEMPTS; attempt++) {
          const answer = await call(
            stack.apiUrl,
            stack.apiKey,
            'POST',
            '/v1/jobs',
            chatBody(`memory ${run} ${i}`, `${SLOW_PROVIDER}:gpt-4o-mini`),
          );
          if (answer.status === 202 && typeof answer.body.id === 'string') {
            ids.push(answer.body.id);
            return;
          }
          refused[answer.status] = (refused[answer.status] ?? 0) + 1;
          if (answer.status !== 429 && answer.status !== 503) return;
          await sleep(Number(answer.headers.get('retry-after') ?? 1) * 1000);
        }
      });
      const submitSeconds = (performance.now() - started) / 1000;
      // Sampled until the last job has ended, so the peak is seen however fast the jobs start.
      const deadline = performance.now() + latencyMs + DRAIN_GRACE_MS;
      const ended = await inParallel(ids.length, WAIT_IN_FLIGHT, (i) =>
        waitForJob(stack.apiUrl, stack.apiKey, ids[i] ?? '', { deadline }),
      );
      const peak = sampler();
      clearInterval(watch);
      const completed = ended.filter((job) => job.status === 'completed').length;
      const mb = (n: number | undefined) => round(n ?? NaN);
      const rows = Object.keys(pids).map((name) => [
        name,
        mb(baseline[name]?.last),
        mb(peak[name]?.peak),
        mb((peak[name]?.peak ?? NaN) - (baseline[name]?.last ?? NaN)),
      ]);
      const refusedText =
        Object.entries(refused)
          .map(([status, count]) => `${status}×${count}`)
          .join(' ') || '0';
      return {
        id: 'memory',
        title: 'memory: 1,000 jobs in flight at once',
        load: `${JOBS} async jobs (${SUBMIT_IN_FLIGHT} submits in flight) to a provider answering in ${latencyMs / 1000} s; accepted ${ids.length}, refusals (retried after Retry-After) ${refusedText}; provider calls in flight at peak ${peakInFlight} (the rest were still starting or already answered); ${completed} of ${ids.length} completed by the deadline`,
        table: { columns: ['process', 'baseline MB', 'peak MB', 'peak − baseline MB'], rows },
        summary: [
          {
            label: 'worker RSS peak, 1,000 in flight',
            value: mb(peak.worker?.peak),
            unit: 'MB',
            vsFloor: 'none',
            note: `baseline ${mb(baseline.worker?.last)} MB, ${peakInFlight} calls in flight`,
          },
          {
            label: 'API RSS peak, 1,000 in flight',
            value: mb(peak.api?.peak),
            unit: 'MB',
            vsFloor: 'none',
            note: `baseline ${mb(baseline.api?.last)} MB`,
          },
        ],
        data: {
          jobs: JOBS,
          accepted: ids.length,
          refused,
          latencyMs,
          submitSeconds: round(submitSeconds, 2),
          peakProviderInFlight: peakInFlight,
          completed,
          baseline,
          peak,
        },
      };
    } finally {
      clearInterval(watch);
      sampler();
      stack.slowMock.setBehavior({ latencyMs: 0 });
    }
  },
};
