import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { waitFor } from '../../src/dev/child-processes';
import { floorPhases, type FloorPhases, type TracedRun } from './floor-phases';
import { cpuMeterOf, cpuMs, type CpuSource } from './proc';
import { scaled } from './settings';
import { round, summarize, type LatencySummary } from './stats';

const FLOOR_TASK_QUEUE = 'bench-floor';
const WARM_UP_RUNS = 30;
const SEQUENTIAL_RUNS = 200;
/** Slices each level of the floor scenario is measured in, per server. */
const SLICES = 3;
/** Turns the sequential runs are taken in, per server. */
const SEQUENTIAL_TURNS = 10;

/** Output kept from the floor worker, to find its ready line and to show why it failed. */
const KEPT_OUTPUT_CHARS = 4_000;

/** The floor worker process; its SDK logs are kept, not printed, so they do not drown the tables. */
function startFloorWorker(address: string) {
  const child = spawn(process.execPath, [...process.execArgv, join(__dirname, '..', 'floor', 'worker.ts')], {
    env: { ...process.env, TEMPORAL_ADDRESS: address, FLOOR_TASK_QUEUE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker = {
    pid: child.pid ?? NaN,
    output: '',
    ready: false,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
  const keep = (chunk: Buffer) => {
    worker.output = (worker.output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
    if (worker.output.includes('floor worker ready')) worker.ready = true;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.once('exit', (code) => {
    if (!worker.ready) console.error(`floor worker exited (${code}) before it was ready:\n${worker.output}`);
  });
  return worker;
}

/** Throughput of the floor at one number of workflows in flight. */
export interface FloorLevel {
  inFlight: number;
  seconds: number;
  workflows: number;
  workflowsPerSecond: number;
  serverCpuMsPerWorkflow: number;
  workerCpuMsPerWorkflow: number;
}

/** The floor measured on one dev server. */
export interface FloorMeasurement {
  sequential: LatencySummary;
  levels: FloorLevel[];
  /** The best workflows/s of the levels. */
  workflowsPerSecond: number;
}

/**
 * Runs the floor workflow on one dev server whenever a scenario asks, so a figure can be divided by the floor
 * measured right beside it: the machine's speed drifts by more than the ratios the bench reports.
 */
export interface FloorRunner {
  /** Latencies of `runs` floor workflows run one at a time. */
  sequential(runs: number): Promise<number[]>;
  /** `runs` floor workflows run one at a time, split into the phases their histories show. */
  phases(runs: number): Promise<FloorPhases>;
  /** Workflows completed with `inFlight` at once for `seconds`, and the CPU they cost. */
  level(inFlight: number, seconds: number): Promise<FloorLevel>;
  stop(): Promise<void>;
}

/**
 * Starts a floor worker process on the server at `address` and a client in this process; warms both up before
 * it resolves. The server's CPU is that of pid `server`, or what `server` reads (e.g. Temporal + PostgreSQL).
 */
export async function startFloorRunner(address: string, server: number | CpuSource): Promise<FloorRunner> {
  const serverCpu: CpuSource = typeof server === 'number' ? () => cpuMs(server) : server;
  const worker = startFloorWorker(address);
  const connection = await Connection.connect({ address }).catch(async (err: unknown) => {
    await worker.stop();
    throw err;
  });
  const stop = async () => {
    await connection.close();
    await worker.stop();
  };
  try {
    await waitFor('the floor worker', () => Promise.resolve(worker.ready), 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const client = new Client({ connection });
  const prefix = `floor-${Date.now()}`;
  let n = 0;
  const execute = (workflowId = `${prefix}-${n++}`) =>
    client.workflow.execute('floorWorkflow', { taskQueue: FLOOR_TASK_QUEUE, workflowId });
  const traced = async (runs: number): Promise<TracedRun[]> => {
    const done: TracedRun[] = [];
    for (let i = 0; i < runs; i++) {
      const workflowId = `${prefix}-${n++}`;
      const started = performance.now();
      await execute(workflowId);
      done.push({ workflowId, ms: performance.now() - started });
    }
    return done;
  };
  const sequential = async (runs: number) => (await traced(runs)).map((run) => run.ms);
  const phases = async (runs: number): Promise<FloorPhases> => {
    const histories = await Promise.all(
      (await traced(runs)).map(async (run) => ({
        ...run,
        events: (await client.workflow.getHandle(run.workflowId).fetchHistory()).events ?? [],
      })),
    );
    return floorPhases(histories);
  };
  const level = async (inFlight: number, seconds: number): Promise<FloorLevel> => {
    const cpu = cpuMeterOf({ server: serverCpu, worker: () => cpuMs(worker.pid) });
    const started = performance.now();
    const until = started + seconds * 1000;
    let workflows = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < until) {
          await execute();
          workflows++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const used = cpu();
    return {
      inFlight,
      seconds: round(elapsed),
      workflows,
      workflowsPerSecond: round(workflows / elapsed),
      serverCpuMsPerWorkflow: round((used.server ?? NaN) / workflows, 2),
      workerCpuMsPerWorkflow: round((used.worker ?? NaN) / workflows, 2),
    };
  };
  await sequential(WARM_UP_RUNS);
  return { sequential, phases, level, stop };
}

/** Adds up slices of one level measured at different times. */
function combined(slices: FloorLevel[]): FloorLevel {
  const first = slices[0];
  if (first === undefined) throw new Error('no floor slices to combine');
  const seconds = slices.reduce((sum, slice) => sum + slice.seconds, 0);
  const workflows = slices.reduce((sum, slice) => sum + slice.workflows, 0);
  const weighted = (pick: (slice: FloorLevel) => number) =>
    round(slices.reduce((sum, slice) => sum + pick(slice) * slice.workflows, 0) / workflows, 2);
  return {
    inFlight: first.inFlight,
    seconds: round(seconds),
    workflows,
    workflowsPerSecond: round(workflows / seconds),
    serverCpuMsPerWorkflow: weighted((slice) => slice.serverCpuMsPerWorkflow),
    workerCpuMsPerWorkflow: weighted((slice) => slice.workerCpuMsPerWorkflow),
  };
}

/** How long {@link measureFloors} measures. */
export interface FloorMeasureOptions {
  /** Floor workflows run one at a time on each server; 0 skips them. @default 200 */
  sequentialRuns?: number;
  /** Seconds of each level on each server, before BENCH_SCALE. @default 15 */
  levelSeconds?: number;
}

/** The runners with their indexes, in reverse order every other turn, so that none always goes first. */
function inTurn(runners: readonly FloorRunner[], turn: number): Array<[number, FloorRunner]> {
  const entries = [...runners.entries()];
  return turn % 2 === 0 ? entries : entries.reverse();
}

/**
 * Measures the floor on several servers at once, taking turns: sequential runs in rounds, then each level in
 * {@link SLICES} slices per server, so a slow minute of the machine weighs on every server alike.
 */
export async function measureFloors(
  runners: readonly FloorRunner[],
  options: FloorMeasureOptions = {},
): Promise<FloorMeasurement[]> {
  const { sequentialRuns = SEQUENTIAL_RUNS, levelSeconds = 15 } = options;
  const latencies = runners.map((): number[] => []);
  for (let turn = 0; turn < SEQUENTIAL_TURNS && sequentialRuns > 0; turn++) {
    for (const [i, runner] of inTurn(runners, turn))
      latencies[i]?.push(...(await runner.sequential(Math.ceil(sequentialRuns / SEQUENTIAL_TURNS))));
  }
  const sliceSeconds = scaled(levelSeconds, 3) / SLICES;
  const levels = runners.map((): FloorLevel[] => []);
  for (const inFlight of [16, 64]) {
    const slices = runners.map((): FloorLevel[] => []);
    for (let slice = 0; slice < SLICES; slice++) {
      for (const [i, runner] of inTurn(runners, slice)) slices[i]?.push(await runner.level(inFlight, sliceSeconds));
    }
    for (const [i, own] of slices.entries()) levels[i]?.push(combined(own));
  }
  return runners.map((_, i) => {
    const own = levels[i] ?? [];
    return {
      sequential: summarize(latencies[i] ?? []),
      levels: own,
      workflowsPerSecond: Math.max(...own.map((level) => level.workflowsPerSecond)),
    };
  });
}
