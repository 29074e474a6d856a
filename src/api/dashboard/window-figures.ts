import { FailureType } from '../../contract/failure-types';
import type { WindowFigures } from '../../telemetry/api-metrics';
import type { DashboardData } from './dashboard-data';
import type { KeyState } from './fleet-state';
import { UNKNOWN_FAILURE } from './job-figures';

/** The window Prometheus's gauges cover: short enough to follow a scrape interval, long enough to hold jobs. */
export const METRICS_WINDOW_MS = 5 * 60_000;

const FAILURE_TYPES = new Set<string>(Object.values(FailureType));
const KEY_STATES: readonly KeyState[] = ['available', 'cooling_down', 'out'];
const seconds = (ms: number | null) => (ms === null ? null : ms / 1_000);

/** The dashboard's answer as the gauges of `/metrics` report it, with every label value bounded. */
export function toWindowFigures(data: DashboardData): WindowFigures {
  const { counts, figures } = data;
  const failures = new Map<string, number>();
  for (const [type, count] of Object.entries(data.errors_by_failure_type)) {
    const label = FAILURE_TYPES.has(type) ? type : UNKNOWN_FAILURE;
    failures.set(label, (failures.get(label) ?? 0) + count);
  }
  return {
    windowSeconds: data.window.seconds,
    closed: [
      { status: 'completed', failureType: 'none', count: counts.completed },
      { status: 'cancelled', failureType: 'none', count: counts.cancelled },
      ...[...failures].map(([failureType, count]) => ({ status: 'failed', failureType, count })),
    ],
    latencySeconds: [
      { quantile: '0.5', seconds: seconds(figures.latency_p50_ms) },
      { quantile: '0.95', seconds: seconds(figures.latency_p95_ms) },
      { quantile: '0.99', seconds: seconds(figures.latency_p99_ms) },
    ],
    jobsPerSecond: figures.jobs_per_second,
    errorRatio: figures.error_rate,
    costPerRequestUsd: figures.cost_per_request_usd,
    cacheHitRatio: figures.cache_hit_ratio,
    coalescedRatio: figures.coalesced_ratio,
    inFlight: figures.jobs_in_flight,
    truncated: data.sample.truncated,
    costUsdByTenant: data.tenants.map((t) => ({ tenant: t.tenant, usd: t.cost_usd })),
    budgetUsedRatio: data.tenants.flatMap((t) =>
      (['daily', 'monthly'] as const).flatMap((period) => {
        const ratio = t.spend?.[period].used_ratio;
        return ratio === null || ratio === undefined ? [] : [{ tenant: t.tenant, period, ratio }];
      }),
    ),
    keyPools: data.providers.flatMap((p) =>
      KEY_STATES.map((state) => ({ provider: p.id, state, keys: p.keys.filter((k) => k.state === state).length })),
    ),
  };
}
