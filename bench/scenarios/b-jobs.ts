import { chatBody } from '../lib/client';
import { loadCells, runLoad, warmUp, type LoadResult } from '../lib/load';
import { cpuMeter } from '../lib/proc';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { scaled } from '../lib/settings';
import { ratio, round } from '../lib/stats';

const LEVELS = [1, 4, 16, 64, 256] as const;
/** Always measured up to here, even when p99 already passed the limit. */
const ALWAYS_UP_TO = 64;
const P99_LIMIT_MS = 2_000;

interface JobsLevel extends LoadResult {
  inFlight: number;
  serverCpuMsPerJob: number;
  apiCpuMsPerJob: number;
  workerCpuMsPerJob: number;
}

/**
 * (b) Durable jobs completed per second through the synchronous `POST /v1/chat/completions`, the mock at
 * 0 ms, every prompt unique so nothing is cached or coalesced.
 */
export const jobsScenario: Scenario = {
  id: 'jobs',
  async run(stack, context): Promise<ScenarioResult> {
    const url = `${stack.apiUrl}/v1/chat/completions`;
    const seconds = scaled(15, 3);
    const levels: JobsLevel[] = [];
    for (const inFlight of LEVELS) {
      const run = `${Date.now()}-${inFlight}`;
      const body = (n: number) => chatBody(`jobs ${run} request ${n}`);
      await warmUp({ url, apiKey: stack.apiKey, connections: inFlight, durationSeconds: scaled(3, 1), body });
      const cpu = cpuMeter(stack.pids);
      const load = await runLoad({
        url,
        apiKey: stack.apiKey,
        connections: inFlight,
        durationSeconds: seconds,
        body: (n) => body(n + 1e6),
      });
      const used = cpu();
      const perJob = (ms: number | undefined) => round((ms ?? NaN) / load.ok, 2);
      levels.push({
        inFlight,
        ...load,
        // No answer within the level at all: its latency is beyond the level's duration, not zero.
        p50: load.ok > 0 ? load.p50 : NaN,
        p99: load.ok > 0 ? load.p99 : NaN,
        okPerSecond: round(load.okPerSecond),
        serverCpuMsPerJob: perJob(used.server),
        apiCpuMsPerJob: perJob(used.api),
        workerCpuMsPerJob: perJob(used.worker),
      });
      console.log(
        `  jobs: ${inFlight} in flight → ${round(load.okPerSecond)} jobs/s, p99 ${load.ok > 0 ? load.p99 : '—'} ms`,
      );
      if (inFlight >= ALWAYS_UP_TO && (load.ok === 0 || load.p99 > P99_LIMIT_MS)) break;
    }
    context.jobs = levels;
    const best = Math.max(...levels.map((level) => level.okPerSecond));
    const at64 = levels.find((level) => level.inFlight === 64)?.okPerSecond ?? NaN;
    const bestBelow64 = Math.max(...levels.filter((level) => level.inFlight < 64).map((level) => level.okPerSecond));
    const bestOverFloor = ratio(best, context.floor?.workflowsPerSecond);
    return {
      id: 'jobs',
      title: 'jobs: synchronous chat completions, unique prompts, mock at 0 ms',
      load: `${LEVELS.join(', ')} in flight (stops past p99 ${P99_LIMIT_MS} ms after 64), ${scaled(3, 1)} s warm-up (and its abandoned jobs' end) + ${seconds} s each`,
      table: {
        columns: [
          'in flight',
          'jobs/s',
          'p50 ms',
          'p99 ms',
          'non-2xx',
          'errors',
          'server CPU ms/job',
          'API CPU ms/job',
          'worker CPU ms/job',
        ],
        rows: levels.map((level) => [
          ...loadCells(level.inFlight, level),
          level.serverCpuMsPerJob,
          level.apiCpuMsPerJob,
          level.workerCpuMsPerJob,
        ]),
      },
      summary: [
        { label: 'jobs/s (best level)', value: best, unit: 'jobs/s', vsFloor: 'throughput' },
        {
          label: 'jobs/s at 64 ÷ best below 64',
          value: round(ratio(at64, bestBelow64), 2),
          unit: '×',
          vsFloor: 'none',
        },
      ],
      data: {
        levels,
        bestJobsPerSecond: best,
        bestOverFloor: round(bestOverFloor, 3),
        at64OverBestBelow: round(ratio(at64, bestBelow64), 3),
      },
    };
  },
};
