import { serverCpu, type BenchTarget } from '../lib/bench-target';
import { measureFloors, startFloorRunner, type FloorRunner } from '../lib/floor-run';
import { FLEET_APIS, FLEET_WORKERS, startFleetStack } from '../lib/fleet-stack';
import { cpuMs } from '../lib/proc';
import { type BenchContext, type Scenario, type ScenarioResult } from '../lib/scenario';
import { scaled } from '../lib/settings';
import { type Stack } from '../lib/stack';
import { ratio, round } from '../lib/stats';
import { type Cell } from '../lib/table';
import { measureJobs, measureSync } from '../lib/target-measure';

/** The levels in flight compared (the floor's and the jobs scenario's). */
const LEVELS = [16, 64] as const;
type Level = (typeof LEVELS)[number];
/** Seconds of each floor level on each server (3 slices, servers taking turns), before BENCH_SCALE. */
const FLOOR_LEVEL_SECONDS = 8;
const JOBS_WARM_UP_SECONDS = 2;
const JOBS_LEVEL_SECONDS = 12;
const SYNC_REQUESTS = 200;
const SYNC_TURNS = 10;

/** The floor at one level in flight. */
interface FloorFigures {
  workflowsPerSecond: number;
  serverCpuMsPerWorkflow: number;
  /** The floor worker: the floor's only Node process that is metered. */
  workerCpuMsPerWorkflow: number;
}

/** Jobs at one level in flight; CPU in ms per job, NaN for a part the deployment does not have. */
interface JobsFigures {
  okPerSecond: number;
  p50: number;
  p99: number;
  serverCpuMsPerJob: number;
  postgresCpuMsPerJob: number;
  apiCpuMsPerJob: number;
  workerCpuMsPerJob: number;
  redisCpuMsPerJob: number;
}

/** Every figure of one column of the table, and where each group came from. */
interface Column {
  floor: Record<Level, FloorFigures>;
  /** The best workflows/s of the floor's levels, what throughputs are divided by. */
  floorWorkflowsPerSecond: number;
  floorP50: number;
  floorP99: number;
  jobs: Record<Level, JobsFigures>;
  syncP50: number;
  syncP99: number;
  syncFailed: number;
  sources: { floor: string; jobs: string; sync: string };
}

/** The dev server's floor levels, jobs levels and sync latency from the run's earlier scenarios, if all ran. */
function devFromRun(context: BenchContext): Partial<Column> {
  const column: Partial<Column> = {};
  const floorLevels = context.floor?.levels;
  const floorAt = (level: Level) => floorLevels?.find((entry) => entry.inFlight === level);
  const floor16 = floorAt(16);
  const floor64 = floorAt(64);
  if (context.floor !== undefined && floor16 !== undefined && floor64 !== undefined) {
    column.floor = { 16: floor16, 64: floor64 };
    column.floorWorkflowsPerSecond = context.floor.workflowsPerSecond;
  }
  const jobsAt = (level: Level) => context.jobs?.find((entry) => entry.inFlight === level);
  const jobs16 = jobsAt(16);
  const jobs64 = jobsAt(64);
  if (jobs16 !== undefined && jobs64 !== undefined) {
    const figures = (level: typeof jobs16): JobsFigures => ({
      ...level,
      postgresCpuMsPerJob: NaN,
      redisCpuMsPerJob: NaN,
    });
    column.jobs = { 16: figures(jobs16), 64: figures(jobs64) };
  }
  if (context.healthySync !== undefined && context.floor !== undefined) {
    column.syncP50 = context.healthySync.p50;
    column.syncP99 = context.healthySync.p99;
    column.syncFailed = 0;
    column.floorP50 = context.floor.p50Ms;
    column.floorP99 = context.floor.p99Ms;
  }
  return column;
}

/** A row: the figure, its unit, then value and ratio for the dev server and for the fleet. */
function row(
  label: string,
  unit: string,
  pick: (column: Column) => number,
  divisor: ((column: Column) => number) | undefined,
  columns: { dev: Column; fleet: Column },
): Cell[] {
  const cells = (column: Column): Cell[] => [
    pick(column),
    divisor === undefined ? NaN : round(ratio(pick(column), divisor(column)), 2),
  ];
  return [label, unit, ...cells(columns.dev), ...cells(columns.fleet)];
}

function tableRows(columns: { dev: Column; fleet: Column }, postgres: boolean): Cell[][] {
  const rows: Cell[][] = [
    row(
      'floor workflows/s (best level)',
      'wf/s',
      (c) => c.floorWorkflowsPerSecond,
      (c) => c.floorWorkflowsPerSecond,
      columns,
    ),
    row(
      'floor sequential p50',
      'ms',
      (c) => c.floorP50,
      (c) => c.floorP50,
      columns,
    ),
    row(
      'floor sequential p99',
      'ms',
      (c) => c.floorP99,
      (c) => c.floorP99,
      columns,
    ),
  ];
  for (const level of LEVELS) {
    const jobs = (c: Column) => c.jobs[level];
    const floor = (c: Column) => c.floor[level];
    rows.push(
      row(
        `jobs/s, ${level} in flight`,
        'jobs/s',
        (c) => jobs(c).okPerSecond,
        (c) => c.floorWorkflowsPerSecond,
        columns,
      ),
      row(
        `  job p99, ${level} in flight`,
        'ms',
        (c) => jobs(c).p99,
        (c) => c.floorP99,
        columns,
      ),
      row(
        `  server CPU/job (Temporal${postgres ? ' + PostgreSQL' : ''})`,
        'ms',
        (c) => jobs(c).serverCpuMsPerJob,
        (c) => floor(c).serverCpuMsPerWorkflow,
        columns,
      ),
      ...(postgres
        ? [row('    of which PostgreSQL', 'ms', (c) => jobs(c).postgresCpuMsPerJob, undefined, columns)]
        : []),
      row(
        '  Node CPU/job (APIs + workers)',
        'ms',
        (c) => jobs(c).apiCpuMsPerJob + jobs(c).workerCpuMsPerJob,
        (c) => floor(c).workerCpuMsPerWorkflow,
        columns,
      ),
      row('    of which APIs', 'ms', (c) => jobs(c).apiCpuMsPerJob, undefined, columns),
      row(
        '    of which workers',
        'ms',
        (c) => jobs(c).workerCpuMsPerJob,
        (c) => floor(c).workerCpuMsPerWorkflow,
        columns,
      ),
      row('  Redis CPU/job', 'ms', (c) => jobs(c).redisCpuMsPerJob, undefined, columns),
    );
  }
  rows.push(
    row(
      'sync job p50, concurrency 1',
      'ms',
      (c) => c.syncP50,
      (c) => c.floorP50,
      columns,
    ),
    row(
      'sync job p99, concurrency 1',
      'ms',
      (c) => c.syncP99,
      (c) => c.floorP99,
      columns,
    ),
  );
  return rows;
}

/** Where the dev server's figures came from, in words. */
function devSources(column: Column): string {
  const { floor, jobs, sync } = column.sources;
  if (floor === jobs && jobs === sync) return `dev server ${floor}`;
  return `dev server: floor ${floor}, jobs ${jobs}, sync ${sync}`;
}

/** Jobs/s one core of each part would carry at the CPU per job measured at 16 in flight. */
function perCore(column: Column): Record<string, number> {
  const jobs = column.jobs[16];
  const carried = (ms: number) => round(1000 / ms, 1);
  const postgres = Number.isFinite(jobs.postgresCpuMsPerJob) ? jobs.postgresCpuMsPerJob : 0;
  return {
    worker: carried(jobs.workerCpuMsPerJob),
    api: carried(jobs.apiCpuMsPerJob),
    temporal: carried(jobs.serverCpuMsPerJob - postgres),
    postgres: carried(jobs.postgresCpuMsPerJob),
    redis: carried(jobs.redisCpuMsPerJob),
  };
}

/** The run's dev-server stack as a target: one API, one worker, the Temporal dev server (SQLite inside). */
function devTarget(stack: Stack, floor: FloorRunner): BenchTarget {
  return {
    name: 'dev server',
    apiUrls: [stack.apiUrl],
    apiKey: stack.apiKey,
    floor,
    cpu: {
      temporal: () => cpuMs(stack.pids.server),
      node: { api: () => cpuMs(stack.pids.api), worker: () => cpuMs(stack.pids.worker) },
    },
  };
}

/**
 * (l) The same figures on the scaled-out fleet — Temporal on PostgreSQL with several history shards, Redis for
 * the cache and counters, two APIs and two workers — beside the dev server's: the floor, durable jobs/s at 16
 * and 64 in flight with the CPU each part spends per job, and the synchronous overhead at concurrency 1, each
 * column divided by its own floor. The dev server's figures come from the run's floor, jobs and sync scenarios,
 * or are measured here, taking turns with the fleet, when those did not run.
 */
export const fleetScenario: Scenario = {
  id: 'fleet',
  async run(stack, context): Promise<ScenarioResult> {
    const fromRun = devFromRun(context);
    const fleet = await startFleetStack(stack);
    const owned: FloorRunner[] = [];
    try {
      const fleetFloor = await startFloorRunner(fleet.engines.engines.temporalAddress, serverCpu(fleet.cpu));
      owned.push(fleetFloor);
      let devFloor = context.durableFloor;
      if (devFloor === undefined) {
        devFloor = await startFloorRunner(stack.temporal.address, stack.pids.server);
        owned.push(devFloor);
      }
      const dev = devTarget(stack, devFloor);
      const onFleet: BenchTarget = {
        name: 'fleet',
        apiUrls: fleet.apiUrls,
        apiKey: stack.apiKey,
        floor: fleetFloor,
        cpu: fleet.cpu,
      };
      const measured = { dev: {} as Partial<Column>, fleet: {} as Partial<Column> };

      // (a) The floor's throughput, the servers taking turns.
      const floorTargets = fromRun.floor === undefined ? [dev, onFleet] : [onFleet];
      const floors = await measureFloors(
        floorTargets.map((target) => target.floor),
        { sequentialRuns: 0, levelSeconds: FLOOR_LEVEL_SECONDS },
      );
      for (const [i, target] of floorTargets.entries()) {
        const floor = floors[i];
        const at = (level: Level) => floor?.levels.find((entry) => entry.inFlight === level);
        const level16 = at(16);
        const level64 = at(64);
        if (floor === undefined || level16 === undefined || level64 === undefined)
          throw new Error(`the floor on the ${target.name} measured no level`);
        const into = target === dev ? measured.dev : measured.fleet;
        into.floor = { 16: level16, 64: level64 };
        into.floorWorkflowsPerSecond = floor.workflowsPerSecond;
      }
      console.log(`  fleet: floor ${measured.fleet.floorWorkflowsPerSecond} workflows/s`);

      // (b) Durable jobs, level by level, the deployments taking turns.
      const jobsTargets = fromRun.jobs === undefined ? [dev, onFleet] : [onFleet];
      const jobsRaw: Record<string, unknown[]> = {};
      for (const level of LEVELS) {
        for (const target of jobsTargets) {
          const jobs = await measureJobs(target, level, {
            warmUpSeconds: scaled(JOBS_WARM_UP_SECONDS, 1),
            seconds: scaled(JOBS_LEVEL_SECONDS, 3),
          });
          (jobsRaw[target.name] ??= []).push(jobs);
          const into = target === dev ? measured.dev : measured.fleet;
          into.jobs = { ...(into.jobs ?? {}), [level]: jobs } as Record<Level, JobsFigures>;
          console.log(
            `  ${target.name}: ${level} in flight → ${jobs.okPerSecond} jobs/s, p99 ${jobs.p99} ms, non-2xx ${jobs.non2xx}, errors ${jobs.errors}`,
          );
        }
      }

      // (c) One request at a time, each deployment taking turns with its own floor's sequential runs.
      const syncTargets = fromRun.syncP50 === undefined ? [dev, onFleet] : [onFleet];
      const syncs = await measureSync(syncTargets, SYNC_REQUESTS, SYNC_TURNS);
      for (const [i, target] of syncTargets.entries()) {
        const sync = syncs[i];
        if (sync === undefined) continue;
        const into = target === dev ? measured.dev : measured.fleet;
        Object.assign(into, {
          syncP50: sync.sync.p50,
          syncP99: sync.sync.p99,
          syncFailed: sync.failed,
          floorP50: sync.floor.p50,
          floorP99: sync.floor.p99,
        });
      }

      const here = 'measured here, taking turns with the fleet';
      const devColumn = {
        ...measured.dev,
        ...fromRun,
        sources: {
          floor: fromRun.floor === undefined ? here : 'from the floor scenario',
          jobs: fromRun.jobs === undefined ? here : 'from the jobs scenario',
          sync: fromRun.syncP50 === undefined ? here : 'from the sync and floor scenarios',
        },
      } as Column;
      const fleetColumn = {
        ...measured.fleet,
        sources: { floor: 'measured here', jobs: 'measured here', sync: 'measured here' },
      } as Column;
      const columns = { dev: devColumn, fleet: fleetColumn };
      const hasPostgres = fleet.cpu.postgres !== undefined;
      const fleetRatio = (pick: (c: Column) => number, by: (c: Column) => number) =>
        round(ratio(pick(fleetColumn), by(fleetColumn)), 2);
      const devRatio = (pick: (c: Column) => number, by: (c: Column) => number) =>
        round(ratio(pick(devColumn), by(devColumn)), 2);
      const jobsAt = (level: Level) => (c: Column) => c.jobs[level].okPerSecond;
      const floorWps = (c: Column) => c.floorWorkflowsPerSecond;
      const engines = fleet.engines;
      return {
        id: 'fleet',
        title: `fleet: ${engines.description}, ${FLEET_APIS} APIs and ${FLEET_WORKERS} workers, beside the dev server; each column ÷ its own floor`,
        load:
          `floor at 16 and 64 in flight for ${scaled(FLOOR_LEVEL_SECONDS, 3)} s each (3 slices); jobs at 16 and 64 in flight, ` +
          `${scaled(JOBS_WARM_UP_SECONDS, 1)} s warm-up + ${scaled(JOBS_LEVEL_SECONDS, 3)} s each, connections spread over the APIs in turn; ` +
          `${SYNC_REQUESTS} sync jobs in ${SYNC_TURNS} turns with as many floor workflows; ${devSources(devColumn)}`,
        table: {
          columns: ['figure', 'unit', 'dev server', 'dev ÷ floor', 'fleet', 'fleet ÷ floor'],
          rows: tableRows(columns, hasPostgres),
        },
        summary: [
          {
            label: 'fleet floor workflows/s',
            value: fleetColumn.floorWorkflowsPerSecond,
            unit: 'wf/s',
            vsFloor: 'none',
            note: `dev server ${devColumn.floorWorkflowsPerSecond}; ${engines.shards} history shard${engines.shards === 1 ? '' : 's'}`,
          },
          ...LEVELS.map((level) => ({
            label: `fleet jobs/s, ${level} in flight`,
            value: fleetColumn.jobs[level].okPerSecond,
            unit: 'jobs/s',
            vsFloor: 'none' as const,
            note: `÷ fleet floor ${fleetRatio(jobsAt(level), floorWps)}; dev server ${devColumn.jobs[level].okPerSecond} (÷ its floor ${devRatio(jobsAt(level), floorWps)})`,
          })),
          {
            label: `fleet server CPU/job, 16 in flight (Temporal${hasPostgres ? ' + PostgreSQL' : ''})`,
            value: fleetColumn.jobs[16].serverCpuMsPerJob,
            unit: 'ms',
            vsFloor: 'none',
            note: `dev server ${round(devColumn.jobs[16].serverCpuMsPerJob)} ms; workers ${round(fleetColumn.jobs[16].workerCpuMsPerJob)} vs ${round(devColumn.jobs[16].workerCpuMsPerJob)} ms`,
          },
          {
            label: 'fleet sync job p50 (concurrency 1)',
            value: fleetColumn.syncP50,
            unit: 'ms',
            vsFloor: 'none',
            note: `÷ fleet floor ${fleetRatio(
              (c) => c.syncP50,
              (c) => c.floorP50,
            )}; dev server ${devColumn.syncP50} ms (÷ its floor ${devRatio(
              (c) => c.syncP50,
              (c) => c.floorP50,
            )}); p99 ${fleetColumn.syncP99} vs ${devColumn.syncP99} ms`,
          },
        ],
        data: {
          engines: {
            description: engines.description,
            shards: engines.shards,
            apis: FLEET_APIS,
            workers: FLEET_WORKERS,
          },
          pids: fleet.pids,
          dev: devColumn,
          fleet: fleetColumn,
          ratios: {
            jobsOverFloor: Object.fromEntries(
              LEVELS.map((level) => [
                level,
                { dev: devRatio(jobsAt(level), floorWps), fleet: fleetRatio(jobsAt(level), floorWps) },
              ]),
            ),
            syncP50OverFloor: {
              dev: devRatio(
                (c) => c.syncP50,
                (c) => c.floorP50,
              ),
              fleet: fleetRatio(
                (c) => c.syncP50,
                (c) => c.floorP50,
              ),
            },
          },
          // Jobs one core of each part would carry at the CPU per job measured at 16 in flight (1,000 ÷ ms per job).
          capacityPerCore: { dev: perCore(devColumn), fleet: perCore(fleetColumn) },
          fleetJobsPerSecondPerShardAt16: round(fleetColumn.jobs[16].okPerSecond / engines.shards, 1),
          raw: { jobs: jobsRaw, sync: syncs, floors },
        },
      };
    } finally {
      for (const runner of owned) await runner.stop().catch(() => undefined);
      await fleet.stop();
    }
  },
};
