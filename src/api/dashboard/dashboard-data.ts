import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { jobsTaskQueue } from '../../contract/task-queues';
import type { CircuitStore } from '../../stores/circuits/contract';
import type { KeyStateStore } from '../../stores/key-state/contract';
import type { BudgetLedger } from '../../stores/ledger/contract';
import { readProviders, type ProviderView } from './fleet-state';
import { jobFigures, type Bucket, type HeadlineFigures, type JobFigures, type TenantFigures } from './job-figures';
import { readJobSample } from './job-sample';
import { readTenantSpend, type PeriodView } from './tenant-spend';

/** The most closed jobs one refresh reads from visibility (the newest of the window). */
export const SAMPLE_CAP = 2_000;
/** How long a computed answer is served again: several open dashboards (and a scrape) cost one computation. */
export const REUSE_MS = 1_000;
const BUCKETS = 30;

export interface DashboardDeps {
  client: Client;
  config: Config;
  circuits: CircuitStore;
  keyState: KeyStateStore;
  ledger: BudgetLedger;
  /** @default SAMPLE_CAP */
  sampleCap?: number;
}

/** The body of `GET /v1/admin/dashboard/data`. */
export interface DashboardData {
  object: 'dashboard_data';
  generated_at: string;
  window: { seconds: number; start: string; end: string; bucket_seconds: number };
  /** How much of the window the figures rest on: all of it unless `truncated`. */
  sample: { closed_jobs: number; sampled_jobs: number; cap: number; truncated: boolean };
  figures: HeadlineFigures;
  counts: JobFigures['counts'];
  errors_by_failure_type: Record<string, number>;
  cost: { total_usd: number };
  series: Bucket[];
  tenants: Array<TenantFigures & { spend: { daily: PeriodView; monthly: PeriodView } | null }>;
  providers: ProviderView[];
  /** Parts that could not be read this time (the rest is still shown). */
  unavailable: Array<{ part: 'ledger' | 'providers'; message: string }>;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Computes the dashboard's figures from what every process shares — Temporal visibility for jobs, the
 * stores for spend, circuits and key pools — so any API replica answers the same, with no Prometheus.
 * Each answer is reused for `REUSE_MS`, and concurrent readers of one window share one computation.
 */
export class DashboardSource {
  private readonly recent = new Map<number, { at: number; answer: Promise<DashboardData> }>();

  constructor(private readonly deps: DashboardDeps) {}

  /** The figures of the last `windowMs`, computed at most once per `REUSE_MS`. */
  read(windowMs: number): Promise<DashboardData> {
    const now = Date.now();
    const cached = this.recent.get(windowMs);
    if (cached && now - cached.at < REUSE_MS) return cached.answer;
    for (const [window, entry] of this.recent) if (now - entry.at >= REUSE_MS) this.recent.delete(window);
    const answer = this.compute(windowMs, now);
    this.recent.set(windowMs, { at: now, answer });
    // A failed computation is not reused: the next reader tries again.
    answer.catch(() => {
      if (this.recent.get(windowMs)?.answer === answer) this.recent.delete(windowMs);
    });
    return answer;
  }

  private async compute(windowMs: number, nowMs: number): Promise<DashboardData> {
    const { client, config, circuits, keyState, ledger } = this.deps;
    const cap = this.deps.sampleCap ?? SAMPLE_CAP;
    const since = nowMs - windowMs;
    const unavailable: DashboardData['unavailable'] = [];
    // The stores are read beside visibility; one that is down leaves its part out, not the whole page.
    const [sample, spend, providers] = await Promise.all([
      readJobSample(client, { taskQueue: jobsTaskQueue(config.temporal.taskQueuePrefix), sinceMs: since, cap }),
      readTenantSpend(config, ledger, nowMs).catch((err: unknown) => {
        unavailable.push({ part: 'ledger', message: messageOf(err) });
        return [];
      }),
      readProviders(config, circuits, keyState, nowMs).catch((err: unknown) => {
        unavailable.push({ part: 'providers', message: messageOf(err) });
        return [];
      }),
    ]);
    const figures = jobFigures({
      ...sample,
      windowMs,
      nowMs,
      bucketCount: BUCKETS,
      tenantIds: Object.keys(config.tenants),
    });
    const spendOf = new Map(spend.map((s) => [s.tenant, { daily: s.daily, monthly: s.monthly }]));
    return {
      object: 'dashboard_data',
      generated_at: new Date(nowMs).toISOString(),
      window: {
        seconds: windowMs / 1_000,
        start: new Date(since).toISOString(),
        end: new Date(nowMs).toISOString(),
        bucket_seconds: windowMs / BUCKETS / 1_000,
      },
      sample: { closed_jobs: sample.closedCount, sampled_jobs: sample.jobs.length, cap, truncated: sample.truncated },
      figures: figures.figures,
      counts: figures.counts,
      errors_by_failure_type: figures.errors_by_failure_type,
      cost: { total_usd: figures.total_cost_usd },
      series: figures.buckets,
      tenants: figures.tenants.map((row) => ({ ...row, spend: spendOf.get(row.tenant) ?? null })),
      providers,
      unavailable,
    };
  }
}
