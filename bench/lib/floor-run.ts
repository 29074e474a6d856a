import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { waitFor } from '../../src/dev/child-processes';
import { cpuMeter } from './proc';
import { scaled } from './settings';
import { round, summarize, type LatencySummary } from './stats';

const FLOOR_TASK_QUEUE = 'bench-floor';
const WARM_UP_RUNS = 30;
const SEQUENTIAL_RUNS = 200;

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
 * Runs the floor workflow from a client in this process against a floor worker process on the server at
 * `address` (pid `serverPid`): sequential latency, then throughput at 16 and 64 in flight.
 */
export async function measureFloor(address: string, serverPid: number): Promise<FloorMeasurement> {
  const worker = startFloorWorker(address);
  const connection = await Connection.connect({ address });
  try {
    await waitFor('the floor worker', () => Promise.resolve(worker.ready), 60_000);
    const workerPid = worker.pid;
    const client = new Client({ connection });
    const prefix = `floor-${Date.now()}`;
    let n = 0;
    const execute = () =>
      client.workflow.execute('floorWorkflow', { taskQueue: FLOOR_TASK_QUEUE, workflowId: `${prefix}-${n++}` });

    for (let i = 0; i < WARM_UP_RUNS; i++) await execute();
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL_RUNS; i++) {
      const started = performance.now();
      await execute();
      latencies.push(performance.now() - started);
    }

    const levels: FloorLevel[] = [];
    for (const inFlight of [16, 64]) {
      const cpu = cpuMeter({ server: serverPid, worker: workerPid });
      const started = performance.now();
      const until = started + scaled(15, 3) * 1000;
      let workflows = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (performance.now() < until) {
            await execute();
            workflows++;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const used = cpu();
      levels.push({
        inFlight,
        seconds: round(seconds),
        workflows,
        workflowsPerSecond: round(workflows / seconds),
        serverCpuMsPerWorkflow: round((used.server ?? NaN) / workflows, 2),
        workerCpuMsPerWorkflow: round((used.worker ?? NaN) / workflows, 2),
      });
    }
    return {
      sequential: summarize(latencies),
      levels,
      workflowsPerSecond: Math.max(...levels.map((level) => level.workflowsPerSecond)),
    };
  } finally {
    await connection.close();
    await worker.stop();
  }
}
