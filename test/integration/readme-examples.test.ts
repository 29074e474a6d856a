import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config';
import { mockProviderEnv } from '../../src/dev/mock-provider-env';
import { startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import {
  curlSteps,
  parsePromise,
  planBlock,
  promiseBreaches,
  readmeBlocks,
  type BlockPlan,
  type SkipRule,
} from '../helpers/readme-blocks';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const plans: BlockPlan[] = readmeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8')).map(planBlock);
const ofKind = <K extends BlockPlan['kind']>(kind: K) =>
  plans.filter((plan): plan is Extract<BlockPlan, { kind: K }> => plan.kind === kind);
const where = (plan: BlockPlan) => `README.md:${plan.block.line} (${plan.block.section})`;

/** The README's keys: the development key and `$KEY` belong to tenant acme, `$ADMIN_KEY` is the operator's. */
const ADMIN_KEY = 'sk-readme-admin';
const KEY = tenantKey('acme');

test('the README has the examples this test expects, and every block it does not run is skipped by a listed rule', () => {
  const counts = Object.fromEntries(
    (['config', 'yaml-syntax', 'curl', 'openai-sdk'] as const).map((kind) => [kind, ofKind(kind).length]),
  );
  expect(counts).toEqual({ config: 10, 'yaml-syntax': 1, curl: 8, 'openai-sdk': 3 });
  const skipped: Partial<Record<SkipRule, number>> = {};
  for (const plan of ofKind('skipped')) skipped[plan.rule] = (skipped[plan.rule] ?? 0) + 1;
  expect(skipped).toEqual({
    text: 8,
    json: 4,
    'npm-script': 7,
    openssl: 2,
    'temporal-cli': 2,
    'sh-without-api': 8,
    'workflow-snippet': 1,
    'event-stream': 1,
  });
});

describe('YAML examples', () => {
  const configDir = mkdtempSync(join(tmpdir(), 'switchyard-readme-'));
  afterAll(() => rmSync(configDir, { recursive: true, force: true }));

  test.each(ofKind('config').map((plan) => [where(plan), plan] as const))(
    'the config example at %s loads through the config loader in mock mode',
    (_where, plan) => {
      const path = join(configDir, `line-${plan.block.line}.yaml`);
      writeFileSync(path, plan.block.text);
      // The environment the launcher gives a mock-mode start: the mock's keys and base URLs.
      const env = {
        ...mockProviderEnv('http://127.0.0.1:8090'),
        SWITCHYARD_API_KEY: 'sk-dev',
        SWITCHYARD_CONFIG: path,
      };
      expect(() => loadConfig(env)).not.toThrow();
    },
  );

  test.each(ofKind('yaml-syntax').map((plan) => [where(plan), plan] as const))(
    'the marked YAML at %s is valid YAML',
    (_where, plan) => {
      expect(parseYaml(plan.block.text)).toEqual(expect.any(Object));
    },
  );
});

describe('examples against a running gateway', () => {
  let harness: Harness;
  let port: string;
  const scratch = join(ROOT, 'node_modules', '.cache', 'switchyard-readme');

  beforeAll(async () => {
    harness = await startHarness({
      api: true,
      config: { tenants: { acme: tenant('acme', { budget: { dailyUsd: 20, monthlyUsd: 400 } }) } },
      env: { SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
    });
    port = new URL(harness.api!.url).port;
    // Inside the repository, so the SDK example's `import OpenAI from 'openai'` resolves as it would for a user.
    mkdirSync(scratch, { recursive: true });
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A README command as it runs here: this API's port and keys, and the job (or bulk replay) id the previous answer named. */
  function adapt(text: string, jobId: string | null): string {
    let adapted = text.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`).replaceAll('sk-switchyard-dev', KEY);
    if (adapted.includes('job_…')) {
      if (!jobId) throw new Error(`"job_…" with no job id from an earlier command: ${text}`);
      adapted = adapted.replaceAll('job_…', jobId);
    }
    if (adapted.includes('bulk_…')) {
      if (!jobId?.startsWith('bulk_')) throw new Error(`"bulk_…" with no bulk replay id from an earlier command: ${text}`);
      adapted = adapted.replaceAll('bulk_…', jobId);
    }
    return adapted;
  }

  test.each(ofKind('curl').map((plan) => [where(plan), plan] as const))(
    'the curl example at %s answers as its comments promise',
    async (_where, plan) => {
      const steps = curlSteps(plan.block.text);
      expect(steps.length).toBeGreaterThan(0);
      let jobId: string | null = null;
      for (const step of steps) {
        const headerFile = join(scratch, `headers-${plan.block.line}`);
        // Only instrumentation is added: the status code after the body, and the headers to a file.
        const command = adapt(step.command, jobId).replace(/^curl /, `curl -D '${headerFile}' -w '\\n%{http_code}' `);
        const { stdout } = await run('bash', ['-c', command], {
          env: { PATH: process.env.PATH ?? '', KEY, ADMIN_KEY, SWITCHYARD_API_KEY: KEY },
          timeout: 30_000,
        });
        const lines = stdout.trimEnd().split('\n');
        const status = Number(lines.pop());
        const text = lines.join('\n');
        const body: unknown = text ? JSON.parse(text) : null;
        const location = /^location:\s*(\S+)/im.exec(readFileSync(headerFile, 'utf8'))?.[1] ?? null;
        if (typeof body === 'object' && body !== null && 'id' in body && typeof body.id === 'string') jobId = body.id;
        if (step.promise !== null) {
          const breaches = promiseBreaches(parsePromise(step.promise), { status, body, location });
          expect({ command: step.command, breaches }).toEqual({ command: step.command, breaches: [] });
        } else {
          expect({ command: step.command, status }).toEqual({ command: step.command, status: 200 });
        }
      }
    },
  );

  // The mock answers with the prompt it was sent: each example prints what it asked.
  test.each(ofKind('openai-sdk').map((plan) => [where(plan), plan] as const))(
    'the openai SDK example at %s prints the answers',
    async (_where, plan) => {
      const source = plan.block.text
        .replaceAll("'http://127.0.0.1:8080/v1'", `'http://127.0.0.1:${port}/v1'`)
        .replaceAll("'sk-switchyard-dev'", `'${KEY}'`);
      expect(source).not.toContain('8080');
      const file = join(scratch, `openai-sdk-example-${plan.block.line}.mts`);
      writeFileSync(file, source);
      const { stdout } = await run(join(ROOT, 'node_modules', '.bin', 'tsx'), [file], { cwd: ROOT, timeout: 45_000 });
      const asked = plan.block.text.includes('batches.create')
        ? ['One line on queues', 'One line on retries', 'One line on timers']
        : ['Hello!'];
      for (const text of asked) expect(stdout).toContain(text);
    },
    60_000,
  );
});
