import { HttpError } from '../../src/api/http-error';
import { parseWindow } from '../../src/api/dashboard/window';
import { isCoalesced, jobFigures, quantile } from '../../src/api/dashboard/job-figures';
import type { ClosedJob } from '../../src/api/dashboard/job-sample';
import { toWindowFigures } from '../../src/api/dashboard/window-figures';
import type { DashboardData } from '../../src/api/dashboard/dashboard-data';

const NOW = Date.parse('2026-11-27T12:00:00Z');

function job(overrides: Partial<ClosedJob>): ClosedJob {
  return {
    id: 'job',
    tenant: 'acme',
    provider: 'openai',
    status: 'completed',
    failureType: null,
    costUsd: 0.01,
    cacheHit: false,
    degraded: false,
    coalesced: null,
    startMs: NOW - 60_000,
    closeMs: NOW - 59_000,
    ...overrides,
  };
}

describe('the window parameter', () => {
  test.each([
    [undefined, 15 * 60_000],
    ['90s', 90_000],
    ['15m', 15 * 60_000],
    ['24h', 24 * 3_600_000],
  ])('%s is %d ms', (value, ms) => {
    expect(parseWindow(value)).toBe(ms);
  });

  test.each(['30s', '25h', '15', 'm', '-5m', '1.5h', ''])('%p is a 400 naming the parameter', (value) => {
    expect(() => parseWindow(value)).toThrow(HttpError);
    try {
      parseWindow(value);
    } catch (err) {
      expect(err).toMatchObject({ status: 400, code: 'invalid_parameter', extra: { param: 'window' } });
    }
  });
});

describe('job figures', () => {
  test('quantiles are nearest-rank and null without samples', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(sorted, 0.5), quantile(sorted, 0.95), quantile(sorted, 0.99)]).toEqual([50, 95, 99]);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNull();
  });

  test('a coalesced job is one that recorded SwitchyardCoalesced, whatever its cost', () => {
    expect(isCoalesced(job({ coalesced: true, costUsd: 0 }))).toBe(true);
    expect(isCoalesced(job({ coalesced: false, costUsd: 0 }))).toBe(false);
    expect(isCoalesced(job({ coalesced: true, status: 'failed', costUsd: null }))).toBe(false);
  });

  test('a job of an earlier release (no SwitchyardCoalesced) is coalesced when completed without cache, degradation or cost', () => {
    expect(isCoalesced(job({ costUsd: 0 }))).toBe(true);
    expect(isCoalesced(job({ costUsd: 0, cacheHit: true }))).toBe(false);
    expect(isCoalesced(job({ costUsd: 0, degraded: true }))).toBe(false);
    expect(isCoalesced(job({ costUsd: 0.2 }))).toBe(false);
    expect(isCoalesced(job({ status: 'failed', costUsd: null }))).toBe(false);
  });

  test('jobs of unknown tenants count as other, and a failure without a type as unknown', () => {
    const figures = jobFigures({
      jobs: [
        job({ tenant: 'ghost' }),
        job({ tenant: null, status: 'failed', costUsd: null }),
        job({ status: 'failed', failureType: 'TIMEOUT', costUsd: null, closeMs: NOW - 1 }),
      ],
      closedCount: 3,
      runningCount: 4,
      windowMs: 60_000 * 15,
      nowMs: NOW,
      bucketCount: 30,
      tenantIds: ['acme', 'beta'],
    });
    expect(figures.tenants.map((t) => [t.tenant, t.jobs])).toEqual([
      ['acme', 1],
      ['beta', 0],
      ['other', 2],
    ]);
    expect(figures.errors_by_failure_type).toEqual({ unknown: 1, TIMEOUT: 1 });
    expect(figures.figures).toMatchObject({ jobs_completed: 3, jobs_in_flight: 4, error_rate: 2 / 3 });
    expect(figures.buckets.at(-1)?.errors).toEqual({ TIMEOUT: 1 });
    expect(figures.figures.cost_per_request_usd).toBeCloseTo(0.01 / 3, 12);
  });

  test('without jobs, ratios and latencies are null rather than 0', () => {
    const { figures } = jobFigures({
      jobs: [],
      closedCount: 0,
      runningCount: 0,
      windowMs: 60_000,
      nowMs: NOW,
      bucketCount: 30,
      tenantIds: [],
    });
    expect(figures).toMatchObject({
      latency_p50_ms: null,
      error_rate: null,
      cache_hit_ratio: null,
      jobs_per_second: 0,
    });
  });

  test('metric labels stay bounded: a failure type outside the enum is reported as unknown', () => {
    const data = {
      window: { seconds: 300 },
      sample: { truncated: false },
      figures: { jobs_per_second: 0, jobs_in_flight: 0 },
      counts: { completed: 1, cancelled: 0 },
      errors_by_failure_type: { TIMEOUT: 2, 'made-up': 1, unknown: 1 },
      tenants: [],
      providers: [],
    } as unknown as DashboardData;
    expect(toWindowFigures(data).closed).toEqual([
      { status: 'completed', failureType: 'none', count: 1 },
      { status: 'cancelled', failureType: 'none', count: 0 },
      { status: 'failed', failureType: 'TIMEOUT', count: 2 },
      { status: 'failed', failureType: 'unknown', count: 2 },
    ]);
  });
});
