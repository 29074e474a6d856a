import type { ClosedJob, ClosedStatus } from './job-sample';

/** Tenant label of jobs whose tenant is not configured (or, for a shared embedding job, not one tenant). */
export const OTHER_TENANT = 'other';
/** Failure label of a failed job that recorded no failure type. */
export const UNKNOWN_FAILURE = 'unknown';

/** The ten headline figures of a window; the dashboard shows each as `[data-figure="<name>"]`. */
export interface HeadlineFigures {
  jobs_completed: number;
  jobs_per_second: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  latency_p99_ms: number | null;
  error_rate: number | null;
  cost_per_request_usd: number | null;
  cache_hit_ratio: number | null;
  coalesced_ratio: number | null;
  jobs_in_flight: number;
}

/** Jobs that closed within one time bucket of the window. */
export interface Bucket {
  start: string;
  completed: number;
  failed: number;
  cancelled: number;
  jobs_per_second: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  latency_p99_ms: number | null;
  cost_usd: number;
  errors: Record<string, number>;
}

export interface TenantFigures {
  tenant: string;
  jobs: number;
  failed: number;
  cost_usd: number;
  cost_per_request_usd: number | null;
}

/** What the sampled jobs of a window add up to. */
export interface JobFigures {
  figures: HeadlineFigures;
  counts: Record<ClosedStatus, number> & { cache_hits: number; coalesced: number; degraded: number };
  errors_by_failure_type: Record<string, number>;
  total_cost_usd: number;
  /** The window cut in equal time buckets, oldest first, by close time. */
  buckets: Bucket[];
  tenants: TenantFigures[];
}

export interface FigureInput {
  jobs: readonly ClosedJob[];
  closedCount: number;
  runningCount: number;
  windowMs: number;
  nowMs: number;
  bucketCount: number;
  /** The configured tenants: each gets a row, and any other tenant is counted as `other`. */
  tenantIds: readonly string[];
}

/**
 * A completed job that shared another job's provider call: what it recorded in `SwitchyardCoalesced`. A job of an
 * earlier release recorded no such attribute; it is then recognised as the one kind of completed job that is
 * neither a cache hit nor degraded and reports no cost, because the flight's leader reports (and pays) the call.
 */
export function isCoalesced(job: ClosedJob): boolean {
  if (job.status !== 'completed') return false;
  if (job.coalesced !== null) return job.coalesced;
  return !job.cacheHit && !job.degraded && job.costUsd === 0;
}

/** Nearest-rank quantile of ascending `sorted`, or null when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? null;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

function latencies(jobs: readonly ClosedJob[]) {
  const sorted = jobs.map((j) => j.closeMs - j.startMs).sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99) };
}

function errorsOf(jobs: readonly ClosedJob[]): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const job of jobs) {
    if (job.status !== 'failed') continue;
    const type = job.failureType ?? UNKNOWN_FAILURE;
    errors[type] = (errors[type] ?? 0) + 1;
  }
  return errors;
}

const costOf = (jobs: readonly ClosedJob[]) => jobs.reduce((sum, job) => sum + (job.costUsd ?? 0), 0);

/** Adds up a window's sampled jobs into the dashboard's figures, time buckets and per-tenant rows. */
export function jobFigures(input: FigureInput): JobFigures {
  const { jobs, windowMs } = input;
  const count = (status: ClosedStatus) => jobs.filter((j) => j.status === status).length;
  const completed = jobs.filter((j) => j.status === 'completed');
  const cacheHits = completed.filter((j) => j.cacheHit).length;
  const coalesced = completed.filter(isCoalesced).length;
  const failed = count('failed');
  const totalCost = costOf(jobs);
  const overall = latencies(jobs);
  return {
    figures: {
      jobs_completed: input.closedCount,
      jobs_per_second: input.closedCount / (windowMs / 1_000),
      latency_p50_ms: overall.p50,
      latency_p95_ms: overall.p95,
      latency_p99_ms: overall.p99,
      error_rate: ratio(failed, jobs.length),
      cost_per_request_usd: ratio(totalCost, jobs.length),
      cache_hit_ratio: ratio(cacheHits, completed.length),
      coalesced_ratio: ratio(coalesced, completed.length),
      jobs_in_flight: input.runningCount,
    },
    counts: {
      completed: completed.length,
      failed,
      cancelled: count('cancelled'),
      cache_hits: cacheHits,
      coalesced,
      degraded: completed.filter((j) => j.degraded).length,
    },
    errors_by_failure_type: errorsOf(jobs),
    total_cost_usd: totalCost,
    buckets: buckets(input),
    tenants: tenantRows(jobs, input.tenantIds),
  };
}

function buckets({ jobs, windowMs, nowMs, bucketCount }: FigureInput): Bucket[] {
  const width = windowMs / bucketCount;
  const start = nowMs - windowMs;
  const grouped: ClosedJob[][] = Array.from({ length: bucketCount }, () => []);
  for (const job of jobs) {
    const index = Math.min(bucketCount - 1, Math.max(0, Math.floor((job.closeMs - start) / width)));
    grouped[index]?.push(job);
  }
  return grouped.map((inBucket, index) => {
    const latency = latencies(inBucket);
    return {
      start: new Date(start + index * width).toISOString(),
      completed: inBucket.filter((j) => j.status === 'completed').length,
      failed: inBucket.filter((j) => j.status === 'failed').length,
      cancelled: inBucket.filter((j) => j.status === 'cancelled').length,
      jobs_per_second: inBucket.length / (width / 1_000),
      latency_p50_ms: latency.p50,
      latency_p95_ms: latency.p95,
      latency_p99_ms: latency.p99,
      cost_usd: costOf(inBucket),
      errors: errorsOf(inBucket),
    };
  });
}

function tenantRows(jobs: readonly ClosedJob[], tenantIds: readonly string[]): TenantFigures[] {
  const known = new Set(tenantIds);
  const byTenant = new Map<string, ClosedJob[]>(tenantIds.map((id) => [id, []]));
  for (const job of jobs) {
    const tenant = job.tenant !== null && known.has(job.tenant) ? job.tenant : OTHER_TENANT;
    const list = byTenant.get(tenant) ?? [];
    list.push(job);
    byTenant.set(tenant, list);
  }
  return [...byTenant].map(([tenant, list]) => ({
    tenant,
    jobs: list.length,
    failed: list.filter((j) => j.status === 'failed').length,
    cost_usd: costOf(list),
    cost_per_request_usd: ratio(costOf(list), list.length),
  }));
}
