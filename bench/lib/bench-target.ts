import { type FloorRunner } from './floor-run';
import { type CpuSource } from './proc';

/** Where a deployment's CPU goes, by part. */
export interface TargetCpu {
  /** The Temporal server process. */
  temporal: CpuSource;
  /** The PostgreSQL cluster under Temporal: the postmaster and all its children (absent on the dev server). */
  postgres?: CpuSource;
  /** Redis, holding the cache and the counters (absent on the dev server, whose stores are SQLite files). */
  redis?: CpuSource;
  /** Switchyard's own processes (APIs and workers), by process name. */
  node: Record<string, CpuSource>;
}

/** One Switchyard deployment the fleet scenario measures: the run's dev-server stack, or the fleet. */
export interface BenchTarget {
  name: string;
  /** Every API process; load is spread over them. */
  apiUrls: readonly string[];
  apiKey: string;
  /** The floor workflow on the same Temporal, its server CPU being {@link serverCpu}. */
  floor: FloorRunner;
  cpu: TargetCpu;
}

/** The sum of several CPU sources. */
export function sumCpu(sources: readonly CpuSource[]): CpuSource {
  return () => sources.reduce((sum, read) => sum + read(), 0);
}

/** The durable server's CPU: Temporal, plus PostgreSQL where there is one. */
export function serverCpu(cpu: TargetCpu): CpuSource {
  return sumCpu(cpu.postgres === undefined ? [cpu.temporal] : [cpu.temporal, cpu.postgres]);
}
