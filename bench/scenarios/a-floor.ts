import { startDevServer } from '../../test/helpers/dev-server';
import { measureFloors, startFloorRunner, type FloorMeasurement } from '../lib/floor-run';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { scaled } from '../lib/settings';
import { ratio, round } from '../lib/stats';
import { type Cell } from '../lib/table';

function rows(server: string, floor: FloorMeasurement): Cell[][] {
  return [
    [server, 'sequential', floor.sequential.p50, floor.sequential.p99, NaN, NaN, NaN],
    ...floor.levels.map((level): Cell[] => [
      server,
      `${level.inFlight} in flight`,
      NaN,
      NaN,
      level.workflowsPerSecond,
      level.serverCpuMsPerWorkflow,
      level.workerCpuMsPerWorkflow,
    ]),
  ];
}

/**
 * (a) The floor: one workflow calling one no-op activity on another task queue, the least a durable job can
 * cost. Measured on the run's durable dev server and on an in-memory one started for it, the two taking turns.
 */
export const floorScenario: Scenario = {
  id: 'floor',
  async run(stack, context): Promise<ScenarioResult> {
    const durableRunner = context.durableFloor ?? (await startFloorRunner(stack.temporal.address, stack.pids.server));
    const memoryServer = await startDevServer();
    let measured: FloorMeasurement[];
    try {
      const memoryRunner = await startFloorRunner(memoryServer.address, memoryServer.process.pid ?? NaN);
      try {
        measured = await measureFloors([durableRunner, memoryRunner]);
      } finally {
        await memoryRunner.stop();
      }
    } finally {
      await memoryServer.stop();
      if (durableRunner !== context.durableFloor) await durableRunner.stop();
    }
    const [durable, memory] = measured;
    if (durable === undefined || memory === undefined) throw new Error('the floor measured fewer servers than it ran');
    context.floor = {
      workflowsPerSecond: durable.workflowsPerSecond,
      p50Ms: durable.sequential.p50,
      p99Ms: durable.sequential.p99,
      levels: durable.levels,
    };
    const durableOverMemory = ratio(durable.workflowsPerSecond, memory.workflowsPerSecond);
    return {
      id: 'floor',
      title: 'floor: one workflow + one no-op activity (Temporal alone)',
      load: `30 warm-up + 200 sequential runs, then 16 and 64 in flight for ${scaled(15, 3)} s each; durable and in-memory server taking turns, each first in every other one (10 turns of sequential runs, 3 slices per level)`,
      table: {
        columns: ['server', 'load', 'p50 ms', 'p99 ms', 'workflows/s', 'server CPU ms/wf', 'worker CPU ms/wf'],
        rows: [...rows('durable (WAL)', durable), ...rows('in-memory', memory)],
      },
      summary: [
        {
          label: 'floor workflows/s (durable)',
          value: durable.workflowsPerSecond,
          unit: 'wf/s',
          vsFloor: 'throughput',
        },
        {
          label: 'floor workflows/s (in-memory)',
          value: memory.workflowsPerSecond,
          unit: 'wf/s',
          vsFloor: 'throughput',
          note: `durable ÷ in-memory = ${round(durableOverMemory, 2)}`,
        },
        { label: 'floor sequential p50', value: durable.sequential.p50, unit: 'ms', vsFloor: 'p50' },
        { label: 'floor sequential p99', value: durable.sequential.p99, unit: 'ms', vsFloor: 'p99' },
      ],
      data: { durable, memory, durableOverMemory: round(durableOverMemory, 3) },
    };
  },
};
