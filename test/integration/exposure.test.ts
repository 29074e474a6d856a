import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { FAILURE_HTTP } from '../../src/contract/failure-http';
import { FailureType } from '../../src/contract/failure-types';
import { freePort } from '../helpers/free-port';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { exited } from '../helpers/worker-process';

const REPO = resolve(__dirname, '../..');
const OPERATOR_KEY = 'sk-operator-exposure';
/** A key variable of a provider that is declared but never set: its failure text names the variable. */
const UNSET_KEY_VARIABLE = 'SWITCHYARD_EXPOSURE_UNSET_KEY';
const key = tenantKey('acme');

let harness: Harness;
let url: string;
const providerCalls = () => harness.mock.stats().byEndpoint['openai.chat'] ?? 0;
const messagesOf = (attempts: Array<{ message?: string }>) => attempts.map((attempt) => attempt.message);

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    env: { SWITCHYARD_ADMIN_KEY: OPERATOR_KEY },
    config: {
      tenants: { acme: tenant('acme') },
      // Failures here are about what tenants are told, not about circuits opening on the way.
      circuitBreaker: { consecutiveFailures: 1_000, minRequests: 1_000 },
      providers: {
        // openai-compatible, so the catalogue's OpenAI models stay with the mock-backed `openai` provider.
        broken: {
          type: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:9/v1',
          keys: [{ alias: 'main', env: UNSET_KEY_VARIABLE }],
        },
      },
      models: {
        // A provider model name that is not valid in an HTTP header; only an operator can configure one.
        'wide-name': { provider: 'openai', model: 'gpt-4o-mini-模型', inputUsdPerMTok: 1, outputUsdPerMTok: 1 },
      },
      routes: {
        'degrade-once': {
          targets: [{ target: 'gpt-4o-mini', maxAttempts: 1 }],
          fallback: { staleCache: false, message: 'Busy right now; try again soon.', onExhausted: 'degrade' },
        },
      },
    },
  });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
});

describe('model names', () => {
  test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'constructor:gpt-4o-mini'])(
    'when the model is %s, both endpoints answer 400 unknown_model',
    async (model) => {
      const job = await api(url, 'POST', '/v1/jobs', { key, body: chatBody('Hi', model) });
      expect(job.status).toBe(400);
      expect(job.body.code).toBe('unknown_model');
      const sync = await api(url, 'POST', '/v1/chat/completions', { key, body: chatBody('Hi', model) });
      expect(sync.status).toBe(400);
      expect(sync.body.error).toMatchObject({ code: 'unknown_model', param: 'model' });
    },
  );

  test.each([
    ['CR/LF', 'openai:gpt-4o-mini\r\nx-injected: 1'],
    ['a non-Latin-1 character', 'openai:gpt-4o-mini-模型'],
    ['a non-ASCII letter', 'openai:gpt-4o-minié'],
  ])('when the model has %s, it is a 400 naming the field model and no provider is called', async (_label, model) => {
    const before = providerCalls();
    const sync = await api(url, 'POST', '/v1/chat/completions', { key, body: chatBody('Hi', model) });
    expect(sync.status).toBe(400);
    expect(sync.body.error).toMatchObject({ code: 'invalid_request', param: 'model' });
    const job = await api(url, 'POST', '/v1/jobs', { key, body: chatBody('Hi', model) });
    expect(job.status).toBe(400);
    expect(job.body.errors[0].field).toBe('model');
    expect(providerCalls()).toBe(before);
  });

  test('when a configured model name cannot go in a header, the completed job still answers 200', async () => {
    const response = await api(url, 'POST', '/v1/chat/completions', { key, body: chatBody('Hi', 'wide-name') });
    expect(response.status).toBe(200);
    expect(response.body.choices[0].message.content).toContain('Hi');
    expect(response.headers.get('x-switchyard-provider')).toBe('openai:gpt-4o-mini-??');
  });
});

describe('/metrics', () => {
  test('without the operator key it is refused: 401 with no key, 403 with a tenant key', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const asTenant = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(asTenant.status).toBe(403);
    expect(await asTenant.text()).not.toContain('tenant="acme"');
  });

  test('when 50 different provider:model names are submitted, the model label set does not grow', async () => {
    for (let i = 0; i < 50; i++) {
      const submitted = await api(url, 'POST', '/v1/jobs', { key, body: chatBody('Hi', `openai:anything-${i}`) });
      expect(submitted.status).toBe(202);
    }
    const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
    expect(response.status).toBe(200);
    const lines = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('switchyard_jobs_submitted_total{tenant="acme"'));
    expect(lines.filter((line) => line.includes('anything-'))).toEqual([]);
    expect(lines).toContain('switchyard_jobs_submitted_total{tenant="acme",model="provider:openai"} 50');
  });
});

describe('provider failures as tenants see them', () => {
  const authText = FAILURE_HTTP[FailureType.Auth].message;
  const notConfiguredText = FAILURE_HTTP[FailureType.NotConfigured].message;

  async function failedJob(text: string, model: string) {
    const submitted = await api(url, 'POST', '/v1/jobs', { key, body: chatBody(text, model) });
    expect(submitted.status).toBe(202);
    const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key });
    expect(done.body.status).toBe('failed');
    return done.body;
  }

  test("when the provider rejects the key, the job's error is the fixed text, not the provider's", async () => {
    const job = await failedJob('Hi [[mock:status=401]]', 'gpt-4o-mini');
    expect(job.error).toMatchObject({ code: 'provider_auth_failed', type: 'AUTH', message: authText });
    expect(messagesOf(job.error.attempts)).toEqual([authText]);
    expect(JSON.stringify(job)).not.toMatch(/Incorrect API key/i);

    const sync = await api(url, 'POST', '/v1/chat/completions', { key, body: chatBody('Hi [[mock:status=401]]') });
    expect(sync.status).toBe(502);
    expect(sync.body.error).toMatchObject({ code: 'provider_auth_failed', message: authText });
    expect(JSON.stringify(sync.body)).not.toMatch(/Incorrect API key/i);
  });

  test("when a provider's key variable is not set, no error names the variable", async () => {
    const job = await failedJob('Hi', 'broken:gpt-4o-mini');
    expect(job.error).toMatchObject({ code: 'provider_not_configured', message: notConfiguredText });
    expect(JSON.stringify(job)).not.toContain(UNSET_KEY_VARIABLE);

    const sync = await api(url, 'POST', '/v1/chat/completions', { key, body: chatBody('Hi', 'broken:gpt-4o-mini') });
    expect(sync.status).toBe(502);
    expect(sync.body.error.message).toBe(notConfiguredText);
    expect(JSON.stringify(sync.body)).not.toContain(UNSET_KEY_VARIABLE);
  });

  test("when a degraded answer stands in, its failure message is the fixed text, not the provider's", async () => {
    const submitted = await api(url, 'POST', '/v1/jobs', {
      key,
      body: chatBody('Hi [[mock:status=500]]', 'degrade-once'),
    });
    const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key });
    expect(done.body.status).toBe('completed');
    const serverErrorText = FAILURE_HTTP[FailureType.ServerError].message;
    expect(done.body.result.degradation).toEqual({
      reason: 'message',
      failureType: 'SERVER_ERROR',
      failureMessage: serverErrorText,
    });
    expect(messagesOf(done.body.result.attempts)).toEqual([serverErrorText]);
  });
});

test('when a real provider key is set, npm start refuses the development key before starting anything', async () => {
  const [port, temporalPort] = await Promise.all([freePort(), freePort()]);
  const launcher = spawn(process.execPath, ['--import', 'tsx', resolve(REPO, 'src/dev/start.ts')], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      OPENAI_API_KEY: 'sk-real-looking-key',
      PORT: String(port),
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A launcher that does not refuse goes on to start Temporal: stop it there rather than wait for it.
  const startedSomething = () => /Starting the Temporal dev server|Using the Temporal server/.test(output);
  const deadline = Date.now() + 30_000;
  while (launcher.exitCode === null && !startedSomething() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (launcher.exitCode === null) {
    // Ctrl-C lets it stop what it started; a launcher stuck before that is killed.
    launcher.kill('SIGINT');
    const killer = setTimeout(() => launcher.kill('SIGKILL'), 10_000);
    await exited(launcher);
    clearTimeout(killer);
  }
  expect(startedSomething()).toBe(false);
  expect(launcher.exitCode).toBe(1);
  expect(output).toMatch(/development key/);
  expect(output).toMatch(/SWITCHYARD_API_KEY/);
  expect(output).not.toContain('sk-real-looking-key');
}, 60_000);
