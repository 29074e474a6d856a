import { call, chatBody, inParallel, waitForJob } from '../lib/client';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { type Stack } from '../lib/stack';
import { BENCH_SCALE } from '../lib/settings';
import { OUTAGE_ROUTE } from '../lib/stack';
import { ratio, round, summarize } from '../lib/stats';

const IN_FLIGHT = 4;
/** The route's secondary, measured alone first as the healthy latency of the same path. */
const HEALTHY_MODEL = 'claude-haiku-4-5';
const HEALTHY_JOBS = 40;

interface OutageJob {
  status: string;
  latencyMs: number;
  providerId: string;
  /** The primary's circuit was already open when this job reached it, so the job never called it. */
  circuitOpen: boolean;
}

/** Runs `count` async jobs on `model`, {@link IN_FLIGHT} at a time, timing each from submit to its end. */
function runJobs(stack: Stack, model: string, count: number): Promise<OutageJob[]> {
  const run = Date.now();
  return inParallel(count, IN_FLIGHT, async (i): Promise<OutageJob> => {
    const started = performance.now();
    const submitted = await call(stack.apiUrl, stack.apiKey, 'POST', '/v1/jobs', chatBody(`outage ${run} ${i}`, model));
    if (submitted.status !== 202 || typeof submitted.body.id !== 'string') {
      return {
        status: `http ${submitted.status}`,
        latencyMs: performance.now() - started,
        providerId: '',
        circuitOpen: false,
      };
    }
    const job = await waitForJob(stack.apiUrl, stack.apiKey, submitted.body.id);
    const result = job.body.result as
      { providerId?: string; attempts?: { outcome?: string; attempts?: number }[] } | undefined;
    const primary = result?.attempts?.[0];
    return {
      status: job.status,
      latencyMs: job.endedAt - started,
      providerId: result?.providerId ?? '',
      // A job that found the circuit open never called the primary; one whose retry found it open did.
      circuitOpen: primary?.outcome === 'CIRCUIT_OPEN' && primary.attempts === 0,
    };
  });
}

/**
 * (h) Outage: a route whose primary fails every call falls back to a healthy secondary. Jobs before the
 * primary's circuit opens pay for its retries; after it opens they skip it.
 */
export const outageScenario: Scenario = {
  id: 'outage',
  async run(stack, context): Promise<ScenarioResult> {
    const count = Math.max(40, Math.round(100 * BENCH_SCALE));
    // The same path (submit, then long-poll) straight to the secondary: what these jobs cost when nothing fails.
    const baseline = await runJobs(stack, HEALTHY_MODEL, HEALTHY_JOBS);
    const primaryBefore = stack.failingMock.stats().total;
    const jobs = await runJobs(stack, OUTAGE_ROUTE, count);
    const primaryCalls = stack.failingMock.stats().total - primaryBefore;
    const before = jobs.filter((job) => job.status === 'completed' && !job.circuitOpen);
    const after = jobs.filter((job) => job.status === 'completed' && job.circuitOpen);
    const failed = jobs.filter((job) => job.status !== 'completed').length;
    const beforeLatency = summarize(before.map((job) => job.latencyMs));
    const afterLatency = summarize(after.map((job) => job.latencyMs));
    const healthy = summarize(baseline.filter((job) => job.status === 'completed').map((job) => job.latencyMs));
    const healthySync = context.healthySync;
    const row = (phase: string, latency: typeof beforeLatency) => [
      phase,
      latency.count,
      latency.p50,
      latency.p99,
      round(ratio(latency.p50, healthy.p50), 2),
      round(ratio(latency.p99, healthy.p99), 2),
    ];
    return {
      id: 'outage',
      title: 'outage: primary fails every call, route falls back to the secondary',
      load: `${HEALTHY_JOBS} jobs on ${HEALTHY_MODEL}, then ${count} on route "${OUTAGE_ROUTE}" (primary 503s, then ${HEALTHY_MODEL}); async submit + long-poll, ${IN_FLIGHT} in flight`,
      table: {
        columns: ['phase', 'jobs', 'p50 ms', 'p99 ms', 'p50 ÷ healthy', 'p99 ÷ healthy'],
        rows: [
          row('called the primary (circuit not yet open)', beforeLatency),
          row('skipped the primary (circuit open)', afterLatency),
          row(`healthy: ${HEALTHY_MODEL} alone, same path`, healthy),
          [
            'healthy: sync scenario (chat completions, c=1)',
            NaN,
            healthySync?.p50 ?? NaN,
            healthySync?.p99 ?? NaN,
            NaN,
            NaN,
          ],
        ],
      },
      summary: [
        {
          label: 'outage p50, circuit open',
          value: afterLatency.p50,
          unit: 'ms',
          vsFloor: 'p50',
          note: `÷ healthy ${round(ratio(afterLatency.p50, healthy.p50), 2)}`,
        },
        {
          label: 'outage p50, before it opens',
          value: beforeLatency.p50,
          unit: 'ms',
          vsFloor: 'p50',
          note: `${failed} failed, ${primaryCalls} primary calls`,
        },
      ],
      data: {
        jobs: count,
        failed,
        primaryCalls,
        before: beforeLatency,
        circuitOpen: afterLatency,
        healthy,
        healthySync,
        providers: [...new Set(jobs.map((job) => job.providerId))],
      },
    };
  },
};
