import { startDevServer } from '../helpers/dev-server';
import { runCli, type CliRun } from '../helpers/cli-process';
import { configFileEnv, startHarness, tenant, type Harness } from '../helpers/harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ api: true, worker: false, config: { tenants: { acme: tenant('acme') } } });
});
afterAll(async () => {
  await harness?.close();
});

/** Runs `switchyard doctor` with the harness's environment (what its API and worker read), changed by `overrides`. */
function doctor(overrides: Record<string, string> = {}, args: string[] = []): Promise<CliRun> {
  return runCli(['doctor', '--url', harness.api!.url, ...args], { ...harness.env, ...overrides });
}

/** The report line of a check, and the fix line under it when there is one. */
function reportOf(run: CliRun, name: string): string {
  const lines = run.stdout.split('\n');
  const index = lines.findIndex((line) => new RegExp(`^\\S+\\s+${name}\\s`).test(line));
  if (index < 0) throw new Error(`no line for ${name} in:\n${run.stdout}\n${run.stderr}`);
  const next = lines[index + 1] ?? '';
  return /^\s+fix: /.test(next) ? `${lines[index]}\n${next}` : (lines[index] ?? '');
}

test('on a healthy stack every check passes and doctor exits 0', async () => {
  const run = await doctor();
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Healthy: every check passed.');
  expect(reportOf(run, 'config')).toMatch(/^ok/);
  expect(reportOf(run, 'temporal')).toMatch(/^ok .*namespace default exists/);
  expect(reportOf(run, 'search attribute SwitchyardTenant')).toMatch(/^ok .*KEYWORD/);
  expect(reportOf(run, 'search attribute SwitchyardCostUsd')).toMatch(/^ok .*DOUBLE/);
  for (const store of ['cache', 'ledger', 'circuits', 'key state', 'rate counters']) {
    expect(reportOf(run, `store ${store}`)).toMatch(/^ok .*answers/);
  }
  // Each provider's model list on the mock, in its own wire format and auth.
  for (const provider of ['openai', 'anthropic', 'gemini']) {
    expect(reportOf(run, `provider ${provider} key default`)).toMatch(/^ok .*accepted by GET/);
  }
  expect(reportOf(run, 'clock')).toMatch(/^ok .*ms (ahead of|behind) this machine/);

  const asJson = await doctor({}, ['--json']);
  expect(asJson.code).toBe(0);
  const report = JSON.parse(asJson.stdout) as { healthy: boolean; checks: Array<{ status: string }> };
  expect(report.healthy).toBe(true);
  expect(report.checks.filter((check) => check.status === 'problem')).toEqual([]);
});

test('a broken config file is reported with the field that is wrong and how to fix it, and doctor exits 1', async () => {
  const broken = configFileEnv({ tenants: { acme: tenant('acme', { budget: { dailyUsd: -5 } }) } });
  const run = await doctor(broken);
  expect(run.code).toBe(1);
  const line = reportOf(run, 'config');
  expect(line).toMatch(/^PROBLEM\s+config\s+tenants\.acme\.budget\.dailyUsd: a cap must be greater than 0/);
  expect(line).toContain(`fix: Change tenants.acme.budget.dailyUsd in ${broken.SWITCHYARD_CONFIG}`);
  expect(reportOf(run, 'temporal')).toMatch(/^skipped\s+temporal\s+needs a valid config/);
  expect(run.stdout).toContain('1 problem found.');
});

test('a stopped Temporal server is reported with its address and how to start it, and doctor exits 1', async () => {
  const server = await startDevServer();
  await server.stop();
  const run = await doctor({ TEMPORAL_ADDRESS: server.address });
  expect(run.code).toBe(1);
  const line = reportOf(run, 'temporal');
  expect(line).toMatch(new RegExp(`^PROBLEM\\s+temporal\\s+Temporal is not reachable at ${server.address}`));
  expect(line).toContain('fix: Start Temporal (`npm start` starts a dev server');
  expect(line).toContain('TEMPORAL_ADDRESS');
  // The rest of the stack is still checked.
  expect(reportOf(run, 'store ledger')).toMatch(/^ok/);
});

test('a revoked provider key is reported with the variable that holds it and how to fix it, and doctor exits 1', async () => {
  const run = await doctor({ OPENAI_API_KEY: 'sk-revoked-openai', GEMINI_API_KEY: 'revoked-gemini' });
  expect(run.code).toBe(1);
  const openai = reportOf(run, 'provider openai key default');
  expect(openai).toMatch(/^PROBLEM .*The provider rejected OPENAI_API_KEY \(HTTP 401: Incorrect API key provided/);
  expect(openai).toContain(
    'fix: Put a valid key in OPENAI_API_KEY, or remove alias default from providers.openai.keys',
  );
  expect(reportOf(run, 'provider gemini key default')).toMatch(
    /^PROBLEM .*rejected GEMINI_API_KEY \(HTTP 400: API key not valid/,
  );
  expect(reportOf(run, 'provider anthropic key default')).toMatch(/^ok/);
  expect(run.stdout).toContain('2 problems found.');
});
