import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CircuitStore } from '../stores/circuits/contract';
import { modelLabel, type ModelLabelNames } from './model-label';

/** Counts submitted jobs; the `model` label is bounded by the config's names (see `modelLabel`). */
export interface JobsSubmittedCounter {
  inc(labels: { tenant: string; model: string }): void;
}

/** The API process's Prometheus metrics, on a registry of its own (one per process, never the global one). */
export interface ApiMetrics {
  registry: Registry;
  jobsSubmitted: JobsSubmittedCounter;
  cacheFastPathHits: Counter<'tenant'>;
  rateLimited: Counter<'tenant' | 'limit'>;
}

const CIRCUIT_STATES = { closed: 0, half_open: 1, open: 2 } as const;

const NO_NAMES: ModelLabelNames = { models: {}, routes: {}, providers: {} };

/**
 * Builds the API's metrics; the circuits gauge is read from the shared store at each scrape. `names` (the
 * config) bounds the `model` label: a requested name that is not configured never becomes a label value.
 */
export function createApiMetrics(circuits?: CircuitStore, names: ModelLabelNames = NO_NAMES): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_api_' });
  const jobsSubmitted = new Counter({
    name: 'switchyard_jobs_submitted_total',
    help: 'Jobs started (POST /v1/jobs and synchronous chat completions that reached a workflow).',
    labelNames: ['tenant', 'model'],
    registers: [registry],
  });
  const metrics: ApiMetrics = {
    registry,
    jobsSubmitted: { inc: ({ tenant, model }) => jobsSubmitted.inc({ tenant, model: modelLabel(names, model) }) },
    cacheFastPathHits: new Counter({
      name: 'switchyard_cache_fast_path_hits_total',
      help: 'Synchronous requests answered from the cache by the API, without a workflow.',
      labelNames: ['tenant'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'switchyard_rate_limited_total',
      help: 'Requests refused with 429 by a tenant rate limit.',
      labelNames: ['tenant', 'limit'],
      registers: [registry],
    }),
  };
  if (circuits) {
    new Gauge({
      name: 'switchyard_circuit_state',
      help: 'Circuit breaker of each provider model: 0 closed, 1 half-open, 2 open.',
      labelNames: ['circuit'],
      registers: [registry],
      async collect() {
        this.reset();
        const now = Date.now();
        for (const circuit of await circuits.list()) {
          const state = circuit.phase === 'open' && now >= circuit.openUntil ? 'half_open' : circuit.phase;
          this.set({ circuit: circuit.key }, CIRCUIT_STATES[state]);
        }
      },
    });
  }
  return metrics;
}

/** Job figures of a recent window, computed from Temporal visibility and the shared stores at scrape time. */
export interface WindowFigures {
  windowSeconds: number;
  /** Closed jobs of the window by status and failure type (`none` for jobs that did not fail). */
  closed: Array<{ status: string; failureType: string; count: number }>;
  /** Start-to-close latency quantiles in seconds; null without closed jobs. */
  latencySeconds: Array<{ quantile: string; seconds: number | null }>;
  jobsPerSecond: number;
  errorRatio: number | null;
  costPerRequestUsd: number | null;
  cacheHitRatio: number | null;
  coalescedRatio: number | null;
  inFlight: number;
  truncated: boolean;
  /** Cost of the window's jobs per configured tenant (others as `other`). */
  costUsdByTenant: Array<{ tenant: string; usd: number }>;
  /** Spend (committed + reserved) ÷ cap, for each capped tenant and period (`daily`, `monthly`). */
  budgetUsedRatio: Array<{ tenant: string; period: string; ratio: number }>;
  /** How many keys of each provider's pool are in each state. */
  keyPools: Array<{ provider: string; state: string; keys: number }>;
}

/**
 * Adds the job figures Grafana shows to `registry`: gauges over the window `read` computes, read once per
 * scrape (the source reuses its answer for a second). Every API replica reads the same shared data, so
 * replicas report the same global figures: aggregate them with max(), never sum(). Label values are bounded:
 * tenants come from the config, failure types from the enum, providers from the config.
 */
export function addWindowFigureGauges(registry: Registry, read: () => Promise<WindowFigures>): void {
  let pending: Promise<WindowFigures | null> | null = null;
  // The gauges of one scrape are collected together: they share one read.
  const current = () => {
    pending ??= read()
      .catch(() => null)
      .finally(() => setImmediate(() => (pending = null)));
    return pending;
  };
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (figures: WindowFigures, set: (labels: Partial<Record<L, string>>, value: number) => void) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const figures = await current();
        if (figures) fill(figures, (labels, value) => this.set(labels, value));
      },
    });
  const orNaN = (value: number | null) => value ?? Number.NaN;
  new Gauge({
    name: 'switchyard_job_figures_up',
    help: '1 when the job figures below could be read from Temporal visibility at this scrape, else 0.',
    registers: [registry],
    async collect() {
      this.set((await current()) ? 1 : 0);
    },
  });
  gauge(
    'switchyard_jobs_window_seconds',
    'Length of the window the switchyard_jobs_window_* gauges cover.',
    [],
    (f, set) => set({}, f.windowSeconds),
  );
  gauge(
    'switchyard_jobs_window_completed',
    'Jobs closed in the window, by status (completed, failed, cancelled) and failure type (none unless failed).',
    ['status', 'failure_type'],
    (f, set) => f.closed.forEach((c) => set({ status: c.status, failure_type: c.failureType }, c.count)),
  );
  gauge('switchyard_jobs_window_per_second', 'Jobs closed per second over the window.', [], (f, set) =>
    set({}, f.jobsPerSecond),
  );
  gauge(
    'switchyard_jobs_window_latency_seconds',
    'Start-to-close latency of the jobs closed in the window (nearest-rank quantiles).',
    ['quantile'],
    (f, set) => f.latencySeconds.forEach((q) => set({ quantile: q.quantile }, orNaN(q.seconds))),
  );
  gauge('switchyard_jobs_window_error_ratio', 'Failed ÷ closed jobs in the window.', [], (f, set) =>
    set({}, orNaN(f.errorRatio)),
  );
  gauge(
    'switchyard_jobs_window_cost_usd',
    'Cost of the jobs closed in the window, per tenant, in USD.',
    ['tenant'],
    (f, set) => f.costUsdByTenant.forEach((t) => set({ tenant: t.tenant }, t.usd)),
  );
  gauge('switchyard_jobs_window_cost_per_request_usd', 'Cost ÷ closed jobs in the window, in USD.', [], (f, set) =>
    set({}, orNaN(f.costPerRequestUsd)),
  );
  gauge(
    'switchyard_jobs_window_cache_hit_ratio',
    'Completed jobs answered from the cache ÷ completed jobs.',
    [],
    (f, set) => set({}, orNaN(f.cacheHitRatio)),
  );
  gauge(
    'switchyard_jobs_window_coalesced_ratio',
    "Completed jobs that shared another job's provider call ÷ completed jobs.",
    [],
    (f, set) => set({}, orNaN(f.coalescedRatio)),
  );
  gauge(
    'switchyard_jobs_window_sample_truncated',
    '1 when more jobs closed in the window than one computation reads (the newest are counted).',
    [],
    (f, set) => set({}, f.truncated ? 1 : 0),
  );
  gauge('switchyard_jobs_in_flight', 'Jobs running now (started, not closed).', [], (f, set) => set({}, f.inFlight));
  gauge(
    'switchyard_tenant_budget_used_ratio',
    "A capped tenant's spend (committed + reserved) ÷ its cap, per period (daily, monthly).",
    ['tenant', 'period'],
    (f, set) => f.budgetUsedRatio.forEach((b) => set({ tenant: b.tenant, period: b.period }, b.ratio)),
  );
  gauge(
    'switchyard_key_pool_keys',
    "Keys of each provider's pool by state (available, cooling_down, out).",
    ['provider', 'state'],
    (f, set) => f.keyPools.forEach((k) => set({ provider: k.provider, state: k.state }, k.keys)),
  );
}
