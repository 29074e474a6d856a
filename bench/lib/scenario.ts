import { type FloorLevel, type FloorRunner } from './floor-run';
import { type Stack } from './stack';
import { type LatencySummary } from './stats';
import { type Table } from './table';

/** What every other figure is divided by: the floor workflow on the same durable dev server. */
export interface FloorReference {
  workflowsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Throughput and CPU per workflow at each level in flight. */
  levels?: FloorLevel[];
}

/** One level of the jobs scenario, kept for the scenarios that compare with it. */
export interface JobsLevelFigures {
  inFlight: number;
  okPerSecond: number;
  p50: number;
  p99: number;
  serverCpuMsPerJob: number;
  apiCpuMsPerJob: number;
  workerCpuMsPerJob: number;
}

/**
 * How a summary figure relates to the floor: a throughput is divided by the floor's workflows/s, a latency
 * by the floor's p50 or p99; `none` figures have no floor counterpart.
 */
export type FloorComparison = 'throughput' | 'p50' | 'p99' | 'none';

/** One line of the final summary. */
export interface SummaryFigure {
  label: string;
  value: number;
  unit: string;
  vsFloor: FloorComparison;
  /** A ratio the scenario computed itself (e.g. durable ÷ in-memory), shown when there is no floor ratio. */
  note?: string;
}

/**
 * Shared between scenarios of one run: the floor, a runner of the floor workflow on the run's durable server
 * (for figures divided by the floor measured beside them), and the healthy latency the outage compares with.
 */
export interface BenchContext {
  floor?: FloorReference;
  durableFloor?: FloorRunner;
  healthySync?: LatencySummary;
  /** The jobs scenario's levels, on the run's dev server. */
  jobs?: JobsLevelFigures[];
}

/** What a scenario hands back: its printed table, its summary lines and the raw figures for its JSON file. */
export interface ScenarioResult {
  id: string;
  title: string;
  /** The offered load and durations, in words. */
  load: string;
  table: Table;
  summary: SummaryFigure[];
  data: Record<string, unknown>;
}

/** A scenario: measures against the running stack. */
export interface Scenario {
  id: string;
  run(stack: Stack, context: BenchContext): Promise<ScenarioResult>;
}
