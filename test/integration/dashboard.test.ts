import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../helpers/free-port';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';
import { exited, spawnWorker } from '../helpers/worker-process';
import { metricNamesIn, servedMetricNames } from '../helpers/metric-names';

const ADMIN = 'sk-test-dashboard-admin';
const DEPLOY = join(__dirname, '../../deploy');

let harness: Harness;
let worker: ChildProcess;
let workerMetrics: string;
let url: string;
/** Each job's reported cost, by tenant, from the jobs' own results. */
const costs: Record<string, number> = { acme: 0, beta: 0 };

interface TenantRow {
  tenant: string;
  jobs: number;
  failed: number;
  cost_usd: number;
  spend: { daily: { spent_usd: number; cap_usd: number | null; used_ratio: number | null } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runJob(tenantId: string, body: unknown): Promise<JsonResponse> {
  const submitted = await api(url, 'POST', '/v1/jobs', { key: tenantKey(tenantId), body });
  expect(submitted.status).toBe(202);
  const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key: tenantKey(tenantId) });
  costs[tenantId] = (costs[tenantId] ?? 0) + ((done.body.result?.costUsd as number | undefined) ?? 0);
  return done;
}

/** The dashboard's data once visibility holds `closed` closed jobs (visibility is eventually consistent). */
async function dataWith(closed: number): Promise<JsonResponse> {
  for (let tries = 0; ; tries++) {
    const data = await api(url, 'GET', '/v1/admin/dashboard/data', { key: ADMIN });
    if ((data.status === 200 && data.body.sample.closed_jobs >= closed) || tries > 120) return data;
    await sleep(250);
  }
}

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    worker: false,
    mock: { latencyMs: 20 },
    env: { SWITCHYARD_ADMIN_KEY: ADMIN },
    config: { tenants: { acme: tenant('acme', { budget: { dailyUsd: 5 } }), beta: tenant('beta') } },
  });
  url = harness.api!.url;
  // The real worker entry point, so the Temporal SDK metrics the Grafana dashboard reads are really served.
  workerMetrics = `127.0.0.1:${await freePort()}`;
  worker = spawnWorker(
    { ...harness.env, WORKER_METRICS_ADDRESS: workerMetrics },
    join(mkdtempSync(join(tmpdir(), 'switchyard-dashboard-')), 'worker.log'),
  );

  const stamp = Date.now();
  const first = chatBody(`dashboard one ${stamp}`, 'gpt-4o-mini', { temperature: 0 });
  // Three answered by the provider, then two answered from the cache.
  for (const text of ['one', 'two', 'three']) {
    const done = await runJob('acme', chatBody(`dashboard ${text} ${stamp}`, 'gpt-4o-mini', { temperature: 0 }));
    expect(done.body.status).toBe('completed');
  }
  for (let i = 0; i < 2; i++) expect((await runJob('acme', first)).body.result.cacheHit).toBe(true);
  // Two identical requests at once: one call, whose answer the second job shares.
  const shared = chatBody(`dashboard shared [[mock:latency=1500]] ${stamp}`, 'gpt-4o-mini', { temperature: 0 });
  const pair = await Promise.all([runJob('acme', shared), runJob('acme', shared)]);
  expect(pair.filter((r) => r.body.result.coalesced)).toHaveLength(1);
  // Two refused by the provider (a mock fault): failed jobs of beta.
  for (let i = 0; i < 2; i++) {
    expect((await runJob('beta', chatBody(`dashboard refused [[mock:status=400]] ${stamp} ${i}`))).body.status).toBe(
      'failed',
    );
  }
}, 90_000);

afterAll(async () => {
  if (worker) {
    worker.kill('SIGTERM');
    await exited(worker);
  }
  await harness?.close();
});

test('the dashboard data counts the closed jobs of the window by outcome, failure type, tenant and cost', async () => {
  const { status, body } = await dataWith(9);
  expect(status).toBe(200);
  expect(body.sample).toEqual({ closed_jobs: 9, sampled_jobs: 9, cap: 2_000, truncated: false });
  expect(body.counts).toEqual({ completed: 7, failed: 2, cancelled: 0, cache_hits: 2, coalesced: 1, degraded: 0 });
  expect(body.errors_by_failure_type).toEqual({ INVALID_REQUEST: 2 });

  const total = costs.acme! + costs.beta!;
  expect(costs.acme).toBeGreaterThan(0);
  expect(body.cost.total_usd).toBeCloseTo(total, 10);
  const f = body.figures;
  expect(f.jobs_completed).toBe(9);
  expect(f.jobs_per_second).toBeCloseTo(9 / (15 * 60), 10);
  expect(f.error_rate).toBeCloseTo(2 / 9, 10);
  expect(f.cost_per_request_usd).toBeCloseTo(total / 9, 10);
  expect(f.cache_hit_ratio).toBeCloseTo(2 / 7, 10);
  expect(f.coalesced_ratio).toBeCloseTo(1 / 7, 10);
  expect(f.jobs_in_flight).toBe(0);
  expect(f.latency_p50_ms).toBeGreaterThan(0);
  expect(f.latency_p95_ms).toBeGreaterThanOrEqual(f.latency_p50_ms);
  expect(f.latency_p99_ms).toBeGreaterThanOrEqual(f.latency_p95_ms);

  const tenants = Object.fromEntries((body.tenants as TenantRow[]).map((t) => [t.tenant, t]));
  expect(tenants.acme).toMatchObject({ jobs: 7, failed: 0 });
  expect(tenants.acme!.cost_usd).toBeCloseTo(costs.acme!, 10);
  expect(tenants.beta).toMatchObject({ jobs: 2, failed: 2, cost_usd: 0 });
  // acme's cap is 5 USD a day: its spend so far is a small share of it.
  expect(tenants.acme!.spend.daily.cap_usd).toBe(5);
  expect(tenants.acme!.spend.daily.used_ratio).toBeCloseTo(tenants.acme!.spend.daily.spent_usd / 5, 10);
  expect(tenants.beta!.spend.daily.used_ratio).toBeNull();

  const buckets = body.series as Array<{ completed: number; failed: number; errors: Record<string, number> }>;
  expect(buckets).toHaveLength(30);
  expect(buckets.reduce((n, b) => n + b.completed, 0)).toBe(7);
  expect(buckets.reduce((n, b) => n + (b.errors.INVALID_REQUEST ?? 0), 0)).toBe(2);

  const openai = (body.providers as Array<{ id: string }>).find((p) => p.id === 'openai');
  expect(openai).toMatchObject({ state: 'closed', keys: [expect.objectContaining({ state: 'available' })] });
});

test('the data needs an operator key: 401 without a key, 403 with a tenant key, 400 for a bad window', async () => {
  expect((await api(url, 'GET', '/v1/admin/dashboard/data', { key: null })).status).toBe(401);
  const tenantAsked = await api(url, 'GET', '/v1/admin/dashboard/data', { key: tenantKey('acme') });
  expect(tenantAsked.status).toBe(403);
  expect(tenantAsked.body.code).toBe('admin_key_required');
  const bad = await api(url, 'GET', '/v1/admin/dashboard/data?window=3d', { key: ADMIN });
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({ code: 'invalid_parameter', param: 'window' });
  const hour = await api(url, 'GET', '/v1/admin/dashboard/data?window=1h', { key: ADMIN });
  expect(hour.body.window.seconds).toBe(3_600);
});

test('the page, its script and uPlot are served from our origin under a strict Content-Security-Policy', async () => {
  const page = await fetch(`${url}/dashboard`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain("default-src 'none'");
  const html = await page.text();
  expect(html).toMatch(/<input id="admin-key"/);
  expect(html).toMatch(/<button id="sign-in"/);
  expect(html).toMatch(/<main id="dashboard" hidden>/);
  // The shell carries no data: every figure is a placeholder until the script fetches it with a key.
  const figures = [...html.matchAll(/data-figure="([a-z0-9_]+)">([^<]*)</g)];
  expect(figures.map((m) => m[1])).toHaveLength(10);
  expect(new Set(figures.map((m) => m[2]))).toEqual(new Set(['–']));
  // Everything the page loads is ours.
  const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  expect(sources.every((s) => s.startsWith('/dashboard/assets/'))).toBe(true);

  const uplot = await fetch(`${url}/dashboard/assets/uPlot.iife.min.js`);
  expect(uplot.status).toBe(200);
  expect(uplot.headers.get('content-type')).toMatch(/javascript/);
  expect(uplot.headers.get('content-security-policy')).toBe(csp);
  expect(await uplot.text()).toBe(readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'));
  for (const asset of ['uPlot.min.css', 'dashboard.js', 'dashboard.css']) {
    expect((await fetch(`${url}/dashboard/assets/${asset}`)).status).toBe(200);
  }
  expect((await fetch(`${url}/dashboard/assets/nope.js`)).status).toBe(404);
});

test('/metrics reports the same job figures as gauges, with bounded labels', async () => {
  await dataWith(9);
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  expect(text).toMatch(/^switchyard_jobs_window_completed\{status="completed",failure_type="none"\} 7$/m);
  expect(text).toMatch(/^switchyard_jobs_window_completed\{status="failed",failure_type="INVALID_REQUEST"\} 2$/m);
  expect(text).toMatch(/^switchyard_jobs_in_flight 0$/m);
  expect(text).toMatch(/^switchyard_job_figures_up 1$/m);
  expect(text).toMatch(/^switchyard_jobs_window_latency_seconds\{quantile="0.99"\} \d/m);
  expect(text).toMatch(/^switchyard_tenant_budget_used_ratio\{tenant="acme",period="daily"\} 0\.\d+/m);
  expect(text).not.toMatch(/switchyard_tenant_budget_used_ratio\{tenant="beta"/);
  const acmeCost = Number(/^switchyard_jobs_window_cost_usd\{tenant="acme"\} (\S+)$/m.exec(text)?.[1]);
  expect(acmeCost).toBeCloseTo(costs.acme!, 10);
  expect(text).toMatch(/^switchyard_key_pool_keys\{provider="openai",state="available"\} 1$/m);
});

test('every metric the Grafana dashboard and the alert rules use is one the API or the worker serves', async () => {
  const apiText = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  const workerText = await (await fetch(`http://${workerMetrics}/metrics`)).text();
  const served = servedMetricNames(`${apiText}\n${workerText}`);
  const used = metricNamesIn([
    readFileSync(join(DEPLOY, 'grafana/dashboards/switchyard.json'), 'utf8'),
    readFileSync(join(DEPLOY, 'prometheus/alerts.yml'), 'utf8'),
  ]);
  expect(used.size).toBeGreaterThan(10);
  expect([...used].filter((name) => !served.has(name))).toEqual([]);
});
