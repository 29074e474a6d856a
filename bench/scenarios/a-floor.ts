import { startDevServer } from '../../test/helpers/dev-server';
import { FLOOR_PHASES, type FloorPhases } from '../lib/floor-phases';
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

/** Floor workflows run one at a time on each server and traced through their histories. */
const PHASE_RUNS = 50;

/** One row per phase of a sequential floor workflow: its p50 in the p50 column. */
function phaseRows(server: string, traced: FloorPhases): Cell[][] {
  return FLOOR_PHASES.map((phase): Cell[] => [server, `phase: ${phase}`, traced.phases[phase], NaN, NaN, NaN, NaN]);
}

/** The p50s of the two workflow-task phases added up: the share of the TypeScript worker and its answers. */
function workerShare(traced: FloorPhases): number {
  return round(
    traced.phases['first workflow task: worker runs it, server records it'] +
      traced.phases['second workflow task: worker runs it, server records it'],
  );
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
    let phases: FloorPhases[];
    try {
      const memoryRunner = await startFloorRunner(memoryServer.address, memoryServer.process.pid ?? NaN);
      try {
        measured = await measureFloors([durableRunner, memoryRunner]);
        phases = [await durableRunner.phases(PHASE_RUNS), await memoryRunner.phases(PHASE_RUNS)];
      } finally {
        await memoryRunner.stop();
      }
    } finally {
      await memoryServer.stop();
      if (durableRunner !== context.durableFloor) await durableRunner.stop();
    }
    const [durable, memory] = measured;
    const [durablePhases, memoryPhases] = phases;
    if (durable === undefined || memory === undefined || durablePhases === undefined || memoryPhases === undefined)
      throw new Error('the floor measured fewer servers than it ran');
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
      load: `30 warm-up + 200 sequential runs, then 16 and 64 in flight for ${scaled(15, 3)} s each; durable and in-memory server taking turns, each first in every other one (10 turns of sequential runs, 3 slices per level); then ${PHASE_RUNS} sequential runs on each, split into phases by their histories' event times (p50 of each phase)`,
      table: {
        columns: ['server', 'load', 'p50 ms', 'p99 ms', 'workflows/s', 'server CPU ms/wf', 'worker CPU ms/wf'],
        rows: [
          ...rows('durable (WAL)', durable),
          ...rows('in-memory', memory),
          ...phaseRows('durable (WAL)', durablePhases),
          ...phaseRows('in-memory', memoryPhases),
        ],
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
        {
          label: 'floor sequential p50',
          value: durable.sequential.p50,
          unit: 'ms',
          vsFloor: 'p50',
          note: `in-memory ${memory.sequential.p50} ms; workflow tasks ${workerShare(durablePhases)} ms of it`,
        },
        { label: 'floor sequential p99', value: durable.sequential.p99, unit: 'ms', vsFloor: 'p99' },
      ],
      data: {
        durable,
        memory,
        phases: { durable: durablePhases, memory: memoryPhases },
        durableOverMemory: round(durableOverMemory, 3),
      },
    };
  },
};
