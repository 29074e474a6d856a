import { hashApiKey } from '../../src/config';
import { runCli } from '../helpers/cli-process';
import { freePort } from '../helpers/free-port';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

const ADMIN = 'sk-cli-admin';
let harness: Harness;
let url: string;
let env: Record<string, string>;
/** A job of tenant alpha that completed, so spend, circuits and the job commands have something to show. */
let jobId: string;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    config: {
      tenants: {
        alpha: tenant('alpha', { budget: { dailyUsd: 5, monthlyUsd: 50 } }),
        bravo: tenant('bravo', { limits: { requestsPerMinute: 120 } }),
      },
      adminApiKeys: [hashApiKey(ADMIN)],
    },
  });
  url = harness.api!.url;
  env = { SWITCHYARD_URL: url, SWITCHYARD_ADMIN_KEY: ADMIN };
  const submitted = await api(url, 'POST', '/v1/jobs', {
    body: chatBody('Hello from the CLI test'),
    key: tenantKey('alpha'),
  });
  jobId = submitted.body.id;
  const done = await api(url, 'GET', `/v1/jobs/${jobId}?wait=20`, { key: tenantKey('alpha') });
  expect(done.body.status).toBe('completed');
});
afterAll(async () => {
  await harness?.close();
});

const asAdmin = (path: string) => api(url, 'GET', path, { key: ADMIN });
const json = (text: string) => JSON.parse(text) as unknown;

test('tenants: --json is the API answer, and the table shows each tenant with its caps, limits and spend', async () => {
  const [cli, table, fromApi] = await Promise.all([
    runCli(['tenants', '--json'], env),
    runCli(['tenants'], env),
    asAdmin('/v1/admin/tenants'),
  ]);
  expect(fromApi.status).toBe(200);
  expect(cli.code).toBe(0);
  expect(json(cli.stdout)).toEqual(fromApi.body);
  expect(fromApi.body.data).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        id: 'alpha',
        budget: { daily_usd: 5, monthly_usd: 50, on_cap: 'reject' },
        rate_limit: null,
      }),
      expect.objectContaining({ id: 'bravo', rate_limit: { requests_per_minute: 120, tokens_per_minute: null } }),
    ]),
  );
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^TENANT\s+DAILY CAP\s+MONTHLY CAP/m);
  expect(table.stdout).toMatch(/^alpha\s+\$5\s+\$50\s+reject\s+none\s+none\s+\$/m);
  expect(table.stdout).toMatch(/^bravo\s+none\s+none\s+reject\s+120\s+none/m);
});

test("spend: one tenant's report and every tenant's, as JSON and as a table", async () => {
  const [one, all, table, alpha, bravo] = await Promise.all([
    runCli(['spend', '--tenant', 'alpha', '--json'], env),
    runCli(['spend', '--json'], env),
    runCli(['spend', '--tenant', 'alpha'], env),
    asAdmin('/v1/admin/tenants/alpha/spend'),
    asAdmin('/v1/admin/tenants/bravo/spend'),
  ]);
  expect(one.code).toBe(0);
  expect(json(one.stdout)).toEqual(alpha.body);
  expect(alpha.body.daily.committedUsd).toBeGreaterThan(0);
  expect(json(all.stdout)).toEqual({ object: 'list', data: expect.arrayContaining([alpha.body, bravo.body]) });
  expect(table.stdout).toMatch(/^TENANT\s+PERIOD\s+SPENT\s+RESERVED\s+CAP/m);
  expect(table.stdout).toContain(`alpha   ${alpha.body.daily.period}`);
  expect(table.stdout).toMatch(
    new RegExp(`^alpha\\s+${alpha.body.monthly.period}\\s+\\$[0-9.e-]+\\s+\\$0\\s+\\$50$`, 'm'),
  );
});

test('circuits and keys: --json is the API answer, the tables show the same rows, and a key is restored', async () => {
  const [circuits, circuitTable, fromApi] = await Promise.all([
    runCli(['circuits', '--json'], env),
    runCli(['circuits'], env),
    asAdmin('/v1/admin/circuits'),
  ]);
  expect(circuits.code).toBe(0);
  expect(json(circuits.stdout)).toEqual(fromApi.body);
  expect(fromApi.body.data.length).toBeGreaterThan(0);
  for (const circuit of fromApi.body.data)
    expect(circuitTable.stdout).toMatch(new RegExp(`^${circuit.key}\\s+${circuit.state}`, 'm'));

  const [keys, keyTable, keysFromApi] = await Promise.all([
    runCli(['keys', 'openai', '--json'], env),
    runCli(['keys', 'openai'], env),
    asAdmin('/v1/admin/providers/openai/keys'),
  ]);
  expect(json(keys.stdout)).toEqual(keysFromApi.body);
  expect(keyTable.stdout).toMatch(/^default\s+1\s+available/m);
  const restored = await runCli(['keys', 'restore', 'openai', 'default'], env);
  expect(restored).toMatchObject({ code: 0, stdout: 'openai/default: available\n' });
});

test('an API error prints its message and code without a stack and exits 1; a refused connection names the URL and the fix', async () => {
  const unknown = await runCli(['keys', 'nope'], env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toBe('error: No provider nope. (provider_not_found, HTTP 404)\n');

  const tenantKeyUsed = await runCli(['tenants'], { ...env, SWITCHYARD_ADMIN_KEY: tenantKey('alpha') });
  expect(tenantKeyUsed.code).toBe(1);
  expect(tenantKeyUsed.stderr).toContain('(admin_key_required, HTTP 403)');

  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const refused = await runCli(['circuits', '--url', nowhere], env);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`Cannot reach the Switchyard API at ${nowhere}: connection refused`);
  expect(refused.stderr).toContain('npm start');
  expect(refused.stderr).not.toMatch(/\n\s+at /);
});

test('usage errors exit 2 and name the problem; --help documents the exit codes', async () => {
  const unknown = await runCli(['jobz'], env);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("unknown command 'jobz'");
  const badSince = await runCli(['jobs', 'list', '--since', 'yesterday'], env);
  expect(badSince.code).toBe(2);
  expect(badSince.stderr).toContain('--since');
  const noKey = await runCli(['tenants'], { SWITCHYARD_URL: url });
  expect(noKey).toMatchObject({
    code: 2,
    stderr: 'error: No operator key: pass --admin-key <key> or set SWITCHYARD_ADMIN_KEY.\n',
  });
  const help = await runCli(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Exit codes:');
  expect(help.stdout).toMatch(/2\s+usage error/);
});

// The job commands use GET /v1/jobs, POST /v1/jobs/replays and the operator key on /v1/jobs (the shared contract).
describe('jobs', () => {
  test('list (filtered, --json and table) and show match the API', async () => {
    const [listed, table, shown, fromApi] = await Promise.all([
      runCli(['jobs', 'list', '--tenant', 'alpha', '--status', 'completed', '--since', '1h', '--json'], env),
      runCli(['jobs', 'list', '--tenant', 'alpha', '--all'], env),
      runCli(['jobs', 'show', jobId, '--json'], env),
      asAdmin(`/v1/jobs/${jobId}`),
    ]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const page = json(listed.stdout) as { data: Array<{ id: string; tenant: string; status: string }> };
    expect(page.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: jobId, tenant: 'alpha', status: 'completed' })]),
    );
    expect(table.stdout).toMatch(new RegExp(`^${jobId}\\s+chat\\s+alpha\\s+completed\\s+gpt-4o-mini`, 'm'));
    expect(shown.code).toBe(0);
    expect(json(shown.stdout)).toEqual(fromApi.body);
  });

  test('show tells why a failed job failed: its error and each target it tried', async () => {
    const submitted = await api(url, 'POST', '/v1/jobs', {
      body: chatBody('Refused [[mock:status=400]]'),
      key: tenantKey('alpha'),
    });
    const failed = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key: tenantKey('alpha') });
    expect(failed.body.status).toBe('failed');
    const shown = await runCli(['jobs', 'show', submitted.body.id], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^status:\s+failed$/m);
    expect(shown.stdout).toMatch(/^error:\s+.*\(provider_invalid_request, INVALID_REQUEST\)$/m);
    expect(shown.stdout).toMatch(/^attempt 1:\s+openai:gpt-4o-mini INVALID_REQUEST ×1/m);
  });

  test('cancel cancels a running job and replay starts a replay of a finished one', async () => {
    const running = await api(url, 'POST', '/v1/jobs', {
      body: chatBody('Cancel me [[mock:latency=20000]]'),
      key: tenantKey('bravo'),
    });
    const cancelled = await runCli(['jobs', 'cancel', running.body.id], env);
    expect(cancelled).toMatchObject({ code: 0, stdout: `${running.body.id}: cancelling\n` });

    const replayed = await runCli(['jobs', 'replay', jobId, '--json'], env);
    expect(replayed.code).toBe(0);
    const replay = json(replayed.stdout) as { id: string; replay_of: string };
    expect(replay.replay_of).toBe(jobId);
    const done = await api(url, 'GET', `/v1/jobs/${replay.id}?wait=20`, { key: tenantKey('alpha') });
    expect(done.body).toMatchObject({ status: 'completed', replay_of: jobId });
  });

  test('a bulk replay previews with --dry-run, then runs with --yes --wait and prints its report', async () => {
    const filter = ['--filter', '--tenant', 'alpha', '--status', 'completed', '--since', '1h', '--replay-of', jobId];
    const preview = await runCli(['jobs', 'replay', ...filter, '--dry-run', '--json'], env);
    expect(preview.stderr).toBe('');
    const previewed = json(preview.stdout) as { object: string; matched: number; job_ids: string[] };
    expect(previewed).toMatchObject({ object: 'bulk_replay_preview', matched: previewed.job_ids.length });
    expect(previewed.matched).toBeGreaterThan(0);

    const unconfirmed = await runCli(['jobs', 'replay', ...filter], env);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');

    const run = await runCli(['jobs', 'replay', ...filter, '--yes', '--wait', '--per-second', '20'], env);
    expect(run.stderr).toContain('done');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^status:\s+completed$/m);
    for (const id of previewed.job_ids) expect(run.stdout).toMatch(new RegExp(`^${id}\\s+replayed\\s+job_`, 'm'));
  });
});
