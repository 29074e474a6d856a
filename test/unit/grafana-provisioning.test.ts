import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const REPO = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(REPO, file), 'utf8');
const yaml = <T>(file: string) => parse(read(file), { merge: true }) as T;

interface Service {
  image?: string;
  environment?: Record<string, string>;
  command?: string[];
  volumes?: string[];
  ports?: string[];
  depends_on?: unknown;
}
const services = yaml<{ services: Record<string, Service>; volumes: Record<string, unknown> }>(
  'docker-compose.yml',
).services;

/** The host directory (relative to the repo) that a service mounts at `containerPath`, if any. */
function hostPathOf(service: Service | undefined, containerPath: string): string | undefined {
  for (const volume of service?.volumes ?? []) {
    const [host, target] = volume.split(':');
    if (!host?.startsWith('./')) continue;
    if (containerPath === target) return host.slice(2);
    if (target && containerPath.startsWith(`${target}/`))
      return join(host.slice(2), containerPath.slice(target.length + 1));
  }
  return undefined;
}

interface ScrapeConfig {
  job_name: string;
  authorization?: { type: string; credentials_file?: string };
  static_configs?: Array<{ targets: string[] }>;
  dns_sd_configs?: Array<{ names: string[]; type: string; port: number }>;
}
const prometheus = yaml<{ rule_files: string[]; scrape_configs: ScrapeConfig[] }>('deploy/prometheus/prometheus.yml');
const scrape = (name: string) => prometheus.scrape_configs.find((c) => c.job_name === name);

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string };
}
const rules = yaml<{ groups: Array<{ name: string; rules: Rule[] }> }>('deploy/prometheus/alerts.yml').groups.flatMap(
  (g) => g.rules,
);

interface Panel {
  title: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr: string; datasource?: { uid?: string } }>;
}
const dashboard = JSON.parse(read('deploy/grafana/dashboards/switchyard.json')) as { uid: string; panels: Panel[] };
const expressions = [
  ...dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr),
  ...rules.map((r) => r.expr),
];

describe('Prometheus in docker-compose', () => {
  test('loads its config and the alert rules from deploy/prometheus', () => {
    const service = services.prometheus;
    expect(service?.image).toMatch(/^prom\/prometheus:/);
    const command = (service?.command ?? []).join(' ');
    const configFile = /--config\.file=(\S+)/.exec(command)?.[1];
    expect(hostPathOf(service, configFile ?? '')).toBe('deploy/prometheus/prometheus.yml');
    for (const file of prometheus.rule_files)
      expect(existsSync(join(REPO, hostPathOf(service, file) ?? 'none'))).toBe(true);
  });

  test('scrapes the api service on its port with the operator key the api is given', () => {
    const job = scrape('switchyard-api');
    expect(job?.static_configs?.[0]?.targets).toEqual([`api:${services.api?.environment?.PORT}`]);
    // The bearer token file is the one the container writes from SWITCHYARD_ADMIN_KEY before Prometheus starts.
    expect(job?.authorization?.type).toBe('Bearer');
    const command = (services.prometheus?.command ?? []).join(' ');
    expect(command).toContain(`"$$SWITCHYARD_ADMIN_KEY" > ${job?.authorization?.credentials_file}`);
    expect(services.prometheus?.environment?.SWITCHYARD_ADMIN_KEY).toMatch(/^\$\{SWITCHYARD_ADMIN_KEY[:?}]/);
    expect(services.api?.environment?.SWITCHYARD_ADMIN_KEY).toBe(
      services.prometheus?.environment?.SWITCHYARD_ADMIN_KEY,
    );
  });

  test("scrapes every worker replica on the port of the worker's WORKER_METRICS_ADDRESS", () => {
    const job = scrape('switchyard-worker');
    const [sd] = job?.dns_sd_configs ?? [];
    expect(sd?.names).toEqual(['worker']);
    expect(services[sd?.names[0] ?? '']).toBeDefined();
    const address = services.worker?.environment?.WORKER_METRICS_ADDRESS ?? '';
    // Listening on every interface of the container, so Prometheus reaches it over compose's network.
    expect(address).toBe(`0.0.0.0:${sd?.port}`);
  });
});

describe('Grafana in docker-compose', () => {
  const grafana = services.grafana;
  const datasources = yaml<{ datasources: Array<{ uid: string; type: string; url: string }> }>(
    `${hostPathOf(grafana, '/etc/grafana/provisioning')}/datasources/prometheus.yml`,
  ).datasources;
  const providers = yaml<{ providers: Array<{ type: string; options: { path: string } }> }>(
    `${hostPathOf(grafana, '/etc/grafana/provisioning')}/dashboards/switchyard.yml`,
  ).providers;

  test('provisions the prometheus service as its datasource', () => {
    expect(grafana?.image).toMatch(/^grafana\/grafana:/);
    expect(datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
    expect(services.prometheus?.ports).toEqual(['127.0.0.1:9090:9090']);
    expect(grafana?.ports?.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
  });

  test('provisions the Switchyard dashboard, every panel on that datasource', () => {
    const path = hostPathOf(grafana, `${providers[0]?.options.path}/switchyard.json`);
    expect(path).toBe('deploy/grafana/dashboards/switchyard.json');
    const uid = datasources[0]?.uid;
    for (const panel of dashboard.panels) {
      expect(panel.datasource?.uid).toBe(uid);
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe(uid);
    }
  });

  test('covers the same figures as /dashboard', () => {
    const all = expressions.join('\n');
    for (const metric of [
      'switchyard_jobs_window_completed',
      'switchyard_jobs_window_per_second',
      'switchyard_jobs_window_latency_seconds',
      'switchyard_jobs_window_error_ratio',
      'switchyard_jobs_window_cost_per_request_usd',
      'switchyard_jobs_window_cost_usd',
      'switchyard_jobs_window_cache_hit_ratio',
      'switchyard_jobs_window_coalesced_ratio',
      'switchyard_jobs_in_flight',
      'switchyard_circuit_state',
      'switchyard_key_pool_keys',
      'switchyard_tenant_budget_used_ratio',
    ]) {
      expect(all).toContain(metric);
    }
  });

  test('takes the global job figures with max(), so several API replicas are not added up', () => {
    const global = /switchyard_(jobs_window_\w+|jobs_in_flight|tenant_budget_used_ratio|circuit_state|key_pool_keys)/;
    const offending = expressions.filter((e) => global.test(e) && !/\bmax\b/.test(e));
    expect(offending).toEqual([]);
  });
});

describe('alert rules', () => {
  test('every rule has a duration, a severity and a summary', () => {
    for (const rule of rules) {
      expect(rule).toMatchObject({ for: expect.stringMatching(/^\d+m$/), labels: { severity: expect.any(String) } });
      expect(rule.annotations?.summary).toBeTruthy();
    }
  });

  test.each([
    ['a circuit is open', /switchyard_circuit_state\) == 2/],
    ['a tenant is near its budget cap', /switchyard_tenant_budget_used_ratio\) > 0\.9/],
    ['the error rate spikes', /switchyard_jobs_window_error_ratio\) > /],
    ['running jobs keep growing', /deriv\(max\(switchyard_jobs_in_flight\)/],
    ['workflow tasks wait for a worker', /temporal_workflow_task_schedule_to_start_latency_milliseconds_bucket/],
  ])('one fires when %s', (_what, expr) => {
    expect(rules.filter((r) => expr.test(r.expr))).toHaveLength(1);
  });
});
