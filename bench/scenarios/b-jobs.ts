import { chatBody } from '../lib/client';
import { type FloorLevel } from '../lib/floor-run';
import { loadCells, runLoad, warmUp, type LoadResult } from '../lib/load';
import { cpuMeter, type Pids } from '../lib/proc';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { scaled } from '../lib/settings';
import { ratio, round } from '../lib/stats';

/** Levels measured in turns, each in {@link TURNS} slices: the figures compare them with each other. */
const TAKEN_IN_TURNS = [1, 4, 16, 64] as const;
/** Levels measured after the turns, one at a time, while p99 stays within {@link P99_LIMIT_MS}. */
const BEYOND = [256] as const;
const TURNS = 4;
/** Seconds each level is measured for in each turn, before BENCH_SCALE. */
const SLICE_SECONDS = 5;
const P99_LIMIT_MS = 2_000;
/** The floor's levels, run beside the jobs in every turn. */
const FLOOR_LEVELS = [16, 64] as const;

interface JobsLevel extends LoadResult {
  inFlight: number;
  serverCpuMsPerJob: number;
  apiCpuMsPerJob: number;
  workerCpuMsPerJob: number;
}

/** One measured slice: the load result and the CPU each process used in it. */
interface Slice {
  load: LoadResult;
  cpu: Record<string, number>;
}

async function measureSlice(
  url: string,
  apiKey: string,
  pids: Pids,
  inFlight: number,
  timing: { warmUpSeconds: number; seconds: number },
): Promise<Slice> {
  const run = `${Date.now()}-${inFlight}`;
  const body = (n: number) => chatBody(`jobs ${run} request ${n}`);
  await warmUp({ url, apiKey, connections: inFlight, durationSeconds: timing.warmUpSeconds, body });
  const cpu = cpuMeter(pids);
  const load = await runLoad({
    url,
    apiKey,
    connections: inFlight,
    durationSeconds: timing.seconds,
    body: (n) => body(n + 1e6),
  });
  return { load, cpu: cpu() };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

/**
 * One level from its slices: throughput and CPU per job over all of them; p50 the median of the slices' p50s,
 * p99 the highest slice p99 (autocannon gives percentiles, not the samples to merge).
 */
function combined(inFlight: number, slices: readonly Slice[]): JobsLevel {
  const sum = (pick: (slice: Slice) => number) => slices.reduce((total, slice) => total + pick(slice), 0);
  const ok = sum((slice) => slice.load.ok);
  const seconds = sum((slice) => slice.load.seconds);
  const byStatus: Record<string, number> = {};
  for (const slice of slices)
    for (const [status, count] of Object.entries(slice.load.byStatus))
      byStatus[status] = (byStatus[status] ?? 0) + count;
  const perJob = (name: string) => round(sum((slice) => slice.cpu[name] ?? NaN) / ok, 2);
  return {
    inFlight,
    seconds,
    responses: sum((slice) => slice.load.responses),
    ok,
    okPerSecond: round(ok / seconds),
    // No answer within the level at all: its latency is beyond the level's duration, not zero.
    p50: ok > 0 ? median(slices.map((slice) => slice.load.p50)) : NaN,
    p99: ok > 0 ? Math.max(...slices.map((slice) => slice.load.p99)) : NaN,
    non2xx: sum((slice) => slice.load.non2xx),
    byStatus,
    errors: sum((slice) => slice.load.errors),
    serverCpuMsPerJob: perJob('server'),
    apiCpuMsPerJob: perJob('api'),
    workerCpuMsPerJob: perJob('worker'),
  };
}

/** The floor's workflows/s over its slices, per level. */
function floorRates(slices: ReadonlyMap<number, FloorLevel[]>): Map<number, number> {
  const rates = new Map<number, number>();
  for (const [inFlight, own] of slices) {
    const workflows = own.reduce((total, slice) => total + slice.workflows, 0);
    const seconds = own.reduce((total, slice) => total + slice.seconds, 0);
    rates.set(inFlight, round(workflows / seconds));
  }
  return rates;
}

/**
 * (b) Durable jobs completed per second through the synchronous `POST /v1/chat/completions`, the mock at
 * 0 ms, every prompt unique so nothing is cached or coalesced. The levels up to 64 take turns in slices, with
 * the floor workflow beside them, so a slow minute of the machine weighs on every level and on the floor alike.
 */
export const jobsScenario: Scenario = {
  id: 'jobs',
  async run(stack, context): Promise<ScenarioResult> {
    const url = `${stack.apiUrl}/v1/chat/completions`;
    const sliceSeconds = scaled(SLICE_SECONDS, 1);
    const turnTiming = { warmUpSeconds: scaled(1, 1), seconds: sliceSeconds };
    const slices = new Map<number, Slice[]>();
    const floorSlices = new Map<number, FloorLevel[]>();
    for (let turn = 0; turn < TURNS; turn++) {
      // Every other turn runs the levels the other way round, so that no level always follows the heaviest one
      // (or always opens the turn) while the machine warms up and slows under sustained load.
      const order = turn % 2 === 0 ? TAKEN_IN_TURNS : [...TAKEN_IN_TURNS].reverse();
      for (const inFlight of order) {
        const slice = await measureSlice(url, stack.apiKey, stack.pids, inFlight, turnTiming);
        slices.set(inFlight, [...(slices.get(inFlight) ?? []), slice]);
      }
      for (const inFlight of FLOOR_LEVELS) {
        const level = await context.durableFloor?.level(inFlight, sliceSeconds);
        if (level) floorSlices.set(inFlight, [...(floorSlices.get(inFlight) ?? []), level]);
      }
      console.log(
        `  jobs, turn ${turn + 1}/${TURNS}: ${TAKEN_IN_TURNS.map((n) => `${n} → ${round(slices.get(n)?.[turn]?.load.okPerSecond ?? NaN)}`).join(', ')} jobs/s`,
      );
    }
    const levels = TAKEN_IN_TURNS.map((inFlight) => combined(inFlight, slices.get(inFlight) ?? []));
    const seconds = scaled(15, 3);
    for (const inFlight of BEYOND) {
      const last = levels[levels.length - 1];
      if (last === undefined || last.ok === 0 || last.p99 > P99_LIMIT_MS) break;
      const slice = await measureSlice(url, stack.apiKey, stack.pids, inFlight, {
        warmUpSeconds: scaled(3, 1),
        seconds,
      });
      levels.push(combined(inFlight, [slice]));
    }
    for (const level of levels)
      console.log(
        `  jobs: ${level.inFlight} in flight → ${level.okPerSecond} jobs/s, p99 ${level.ok > 0 ? level.p99 : '—'} ms`,
      );
    context.jobs = levels;
    const best = Math.max(...levels.map((level) => level.okPerSecond));
    const at64 = levels.find((level) => level.inFlight === 64)?.okPerSecond ?? NaN;
    const bestBelow64 = Math.max(...levels.filter((level) => level.inFlight < 64).map((level) => level.okPerSecond));
    const floorBeside = floorRates(floorSlices);
    const bestFloorBeside = floorBeside.size > 0 ? Math.max(...floorBeside.values()) : NaN;
    const bestOverFloor = ratio(best, context.floor?.workflowsPerSecond);
    const bestOverFloorBeside = ratio(best, bestFloorBeside);
    const floorNote = [...floorBeside].map(([inFlight, rate]) => `${rate} wf/s at ${inFlight}`).join(', ');
    return {
      id: 'jobs',
      title: 'jobs: synchronous chat completions, unique prompts, mock at 0 ms',
      load: `${TAKEN_IN_TURNS.join(', ')} in flight in ${TURNS} turns (every other one in reverse order) of ${scaled(1, 1)} s warm-up (and its abandoned jobs' end) + ${sliceSeconds} s each, the floor at ${FLOOR_LEVELS.join(' and ')} beside them in each turn; then ${BEYOND.join(', ')} for ${seconds} s while p99 ≤ ${P99_LIMIT_MS} ms. p50: median of the slices; p99: the highest slice's`,
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
          label: 'jobs/s (best level) ÷ floor beside it',
          value: round(bestOverFloorBeside, 2),
          unit: '×',
          vsFloor: 'none',
          note: `floor in the same turns: ${floorNote || 'not run'}`,
        },
        {
          label: 'jobs/s at 64 ÷ best below 64',
          value: round(ratio(at64, bestBelow64), 2),
          unit: '×',
          vsFloor: 'none',
        },
      ],
      data: {
        levels,
        slices: Object.fromEntries(
          [...slices].map(([inFlight, own]) => [inFlight, own.map((slice) => round(slice.load.okPerSecond))]),
        ),
        floorBeside: Object.fromEntries(floorBeside),
        bestJobsPerSecond: best,
        bestOverFloor: round(bestOverFloor, 3),
        bestOverFloorBeside: round(bestOverFloorBeside, 3),
        at64OverBestBelow: round(ratio(at64, bestBelow64), 3),
      },
    };
  },
};
