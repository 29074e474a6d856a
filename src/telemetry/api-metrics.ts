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
