import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, type Connection } from '@temporalio/client';
import { startMockProvider, type MockProviderHandle } from '../../src/mock-provider';
import { hashApiKey, loadConfig } from '../../src/config';
import { dataConverterFor } from '../../src/codec/data-converter';
import { configFileEnv, harnessEnv } from '../helpers/harness';
import { connectClosable } from '../helpers/closable-connection';
import { freePort } from '../helpers/free-port';
import { api } from '../helpers/http';
import { sseEvents } from '../helpers/sse';
import { exited, spawnApi, spawnWorker, untilHealthy } from '../helpers/worker-process';

/** A secret that is unique to this run, so that finding it in a log can only mean the log leaked it. */
const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

const POOL_KEYS = { A: secret('sk-pool-a'), B: secret('sk-pool-b') };
const ANTHROPIC_KEY = secret('sk-ant');
const GEMINI_KEY = secret('gemini');
const ACME_KEY = secret('sk-tenant-acme');
const BETA_KEY = secret('sk-tenant-beta');
const ADMIN_KEY = secret('sk-admin');
/** Key material of encryption at rest: base64, so its URL-encoded form differs from it. */
const PAYLOAD_KEY_BYTES = randomBytes(32);
const PAYLOAD_KEY = PAYLOAD_KEY_BYTES.toString('base64');
/** Text of every prompt: with payload logging off, it must not be in any line either. */
const PROMPT = `tell me about ${secret('prompt')}`;

const SECRETS = [...Object.values(POOL_KEYS), ANTHROPIC_KEY, GEMINI_KEY, ACME_KEY, BETA_KEY, ADMIN_KEY, PAYLOAD_KEY];

/**
 * Every form in which a secret could reach a log line: as is, URL-encoded, hex, and base64 (e.g. inside a Basic
 * header). Encoded with other bytes before it, a value's base64 depends on its offset in a group of three bytes:
 * each offset's encoding is checked without its first and last group, which the neighbouring bytes change.
 */
function formsOf(value: string): string[] {
  const bytes = Buffer.from(value);
  const forms = [value, encodeURIComponent(value), bytes.toString('hex')];
  for (const offset of [0, 1, 2]) {
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes]);
    for (const encoding of ['base64', 'base64url'] as const) forms.push(shifted.toString(encoding).slice(4, -4));
  }
  return [...new Set(forms)];
}

const logDir = mkdtempSync(join(tmpdir(), 'switchyard-log-secrets-'));
const logFiles = { api: join(logDir, 'api.log'), worker: join(logDir, 'worker.log') };

let mock: MockProviderHandle;
let connection: Connection;
let client: Client;
let children: ChildProcess[] = [];
let url: string;
/** Jobs by what they went through. */
const jobs: Record<string, string> = {};

/** Every line every process wrote, and those that are JSON records. */
let lines: string[] = [];
let records: Array<Record<string, unknown>> = [];

const as = (key: string) => ({ key });

async function untilEnded(id: string, key = ACME_KEY): Promise<string> {
  for (let poll = 0; poll < 6; poll++) {
    const job = await api(url, 'GET', `/v1/jobs/${id}?wait=20`, as(key));
    if (job.body.status !== 'running') return job.body.status as string;
  }
  throw new Error(`job ${id} still running`);
}

async function submit(label: string, text: string): Promise<string> {
  const submitted = await api(url, 'POST', '/v1/jobs', {
    ...as(ACME_KEY),
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${PROMPT} ${text}` }] },
  });
  expect(submitted.status).toBe(202);
  jobs[label] = submitted.body.id as string;
  return jobs[label];
}

beforeAll(async () => {
  mock = await startMockProvider({ port: 0 });
  const config = {
    providers: {
      openai: {
        type: 'openai',
        baseUrl: `${mock.url}/openai/v1`,
        keys: [
          { alias: 'a', env: 'POOL_KEY_A' },
          { alias: 'b', env: 'POOL_KEY_B' },
        ],
      },
    },
    tenants: { acme: { apiKeys: [hashApiKey(ACME_KEY)] }, beta: { apiKeys: [hashApiKey(BETA_KEY)] } },
  };
  const port = await freePort();
  const env = harnessEnv(mock.url, {
    ...configFileEnv(config),
    POOL_KEY_A: POOL_KEYS.A,
    POOL_KEY_B: POOL_KEYS.B,
    OPENAI_API_KEY: secret('sk-unused-openai'),
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    GEMINI_API_KEY: GEMINI_KEY,
    SWITCHYARD_API_KEY: secret('sk-unused-default'),
    SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
    SWITCHYARD_PAYLOAD_KEYS: `k1:${PAYLOAD_KEY}`,
    PORT: String(port),
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
  });
  SECRETS.push(env.OPENAI_API_KEY!, env.SWITCHYARD_API_KEY!);
  connection = await connectClosable(env.TEMPORAL_ADDRESS!);
  // The memo and search attributes a describe returns are encrypted at rest, like everything else.
  client = new Client({ connection, dataConverter: dataConverterFor(loadConfig(env)) });
  url = `http://127.0.0.1:${port}`;
  children = [spawnWorker(env, logFiles.worker), spawnApi(env, logFiles.api)];
  await untilHealthy(url, children[1]!);

  // Jobs that succeed, that succeed after a 500 and after a 429 (each retried), and that fail on a 401.
  const faults = {
    ok: '',
    serverError: '[[mock:status=500]][[mock:fail-times=1]]',
    rateLimited: '[[mock:status=429]][[mock:retry-after=1]][[mock:fail-times=1]]',
    unauthorized: '[[mock:status=401]]',
  };
  const ids = await Promise.all(Object.entries(faults).map(([label, text]) => submit(label, text)));
  const statuses = await Promise.all(ids.map((id) => untilEnded(id)));
  expect(statuses).toEqual(['completed', 'completed', 'completed', 'failed']);

  // Synchronous completions (the second a cache hit), and a streamed one read to its end.
  const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${PROMPT} sync` }] };
  for (let i = 0; i < 2; i++) {
    const sync = await api(url, 'POST', '/v1/chat/completions', { ...as(BETA_KEY), body: chat });
    expect(sync.status).toBe(200);
  }
  const streamed = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...chat, messages: [{ role: 'user', content: `${PROMPT} streamed` }], stream: true }),
  });
  expect(streamed.status).toBe(200);
  const events: string[] = [];
  for await (const event of sseEvents(streamed.body!)) events.push(event.data);
  expect(events.at(-1)).toBe('[DONE]');

  // Bad credentials in every shape: a key of the wrong kind, a Basic header, a mangled scheme, a key that is close.
  const refused = await Promise.all([
    api(url, 'GET', '/v1/admin/circuits', as(ACME_KEY)),
    api(url, 'GET', '/v1/spend', { key: null, headers: { authorization: `Basic ${btoa(`acme:${ACME_KEY}`)}` } }),
    api(url, 'GET', '/v1/spend', { key: null, headers: { authorization: `Token ${ADMIN_KEY}` } }),
    api(url, 'GET', '/v1/spend', { key: null, headers: { 'x-api-key': `${BETA_KEY}x` } }),
    api(url, 'GET', `/v1/jobs/${jobs.ok}`, as(BETA_KEY)),
  ]);
  expect(refused.every((response) => response.status >= 400 && response.status < 500)).toBe(true);

  // Bad bodies, one of them holding a key where a message should be.
  const invalid = await Promise.all([
    api(url, 'POST', '/v1/jobs', { ...as(ACME_KEY), rawBody: `{"model": "gpt-4o-mini", "messages": ${ADMIN_KEY}` }),
    api(url, 'POST', '/v1/jobs', { ...as(ACME_KEY), body: { model: 'gpt-4o-mini', messages: ACME_KEY } }),
    api(url, 'POST', '/v1/chat/completions', { ...as(ACME_KEY), body: { model: ACME_KEY, messages: [] } }),
  ]);
  expect(invalid.map((response) => response.status)).toEqual([400, 400, 400]);
  // A 400 names the field, never echoes the value.
  expect(JSON.stringify(invalid.map((response) => response.body))).not.toContain(ACME_KEY);

  // Operator endpoints, including the codec that holds the encryption key.
  const operator = await Promise.all([
    api(url, 'GET', '/v1/admin/circuits', as(ADMIN_KEY)),
    api(url, 'GET', '/v1/admin/providers/openai/keys', as(ADMIN_KEY)),
    api(url, 'GET', '/v1/admin/tenants/acme/spend', as(ADMIN_KEY)),
    api(url, 'GET', '/metrics', as(ADMIN_KEY)),
  ]);
  expect(operator.map((response) => response.status)).toEqual([200, 200, 200, 200]);

  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map(exited));
  lines = [logFiles.api, logFiles.worker].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== ''),
  );
  records = lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await connection?.close();
  await mock?.close();
});

describe('the logs of the API and the worker, at debug level', () => {
  test('hold no provider key, tenant key, operator key or encryption key, in any encoding', () => {
    expect(lines.length).toBeGreaterThan(50);
    const leaks = SECRETS.flatMap(formsOf).flatMap((form) =>
      lines.filter((line) => line.includes(form)).map((line) => `${form}: ${line.slice(0, 300)}`),
    );
    expect(leaks).toEqual([]);
  });

  test('hold no prompt or completion when payload logging is off', () => {
    expect(lines.filter((line) => line.includes(PROMPT))).toEqual([]);
    expect(records.filter((record) => 'messages' in record || 'completion' in record)).toEqual([]);
  });

  test('every line about a job carries its job id, workflow id and run id', () => {
    // A read refused before the job was found (another tenant's job is not found for this one) knows no run.
    const notFound = (record: Record<string, unknown>) => (record.res as { statusCode?: unknown })?.statusCode === 404;
    const aboutJobs = records.filter((record) => typeof record.jobId === 'string' && !notFound(record));
    expect(aboutJobs.length).toBeGreaterThan(20);
    const incomplete = aboutJobs.filter(
      (record) => typeof record.workflowId !== 'string' || typeof record.runId !== 'string',
    );
    expect(incomplete.map((record) => JSON.stringify(record).slice(0, 300))).toEqual([]);
  });

  test('a job retried after a 500 can be followed by its id across the API and the worker, in one run', async () => {
    const id = jobs.serverError!;
    const { runId } = await client.workflow.getHandle(id).describe();
    const followed = records.filter((record) => record.jobId === id);

    const apiLines = followed.filter((record) => record.component === 'api');
    const workerLines = followed.filter((record) => record.component === 'worker');
    expect(apiLines.map((record) => record.msg)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^POST \/v1\/jobs 202/),
        expect.stringMatching(/^GET \/v1\/jobs\//),
      ]),
    );
    const calls = workerLines.filter((record) => record.msg === 'provider call');
    expect(calls.map((record) => record.status)).toEqual(['SERVER_ERROR', 'ok']);
    expect(new Set(followed.map((record) => record.workflowId))).toEqual(new Set([id]));
    expect(new Set(followed.map((record) => record.runId))).toEqual(new Set([runId]));
  });

  test("a synchronous and a streamed completion's request lines name the job their worker lines name", () => {
    const completions = records.filter(
      (record) => record.component === 'api' && String(record.msg).startsWith('POST /v1/chat/completions 200'),
    );
    // A cache hit runs no job; the first synchronous completion and the streamed one each ran one.
    const ran = completions.filter((record) => typeof record.jobId === 'string');
    expect(ran.length).toBeGreaterThanOrEqual(2);
    for (const line of ran) {
      const calls = records.filter(
        (record) => record.component === 'worker' && record.jobId === line.jobId && record.msg === 'provider call',
      );
      expect(calls.map((record) => [record.status, record.runId])).toEqual([['ok', line.runId]]);
    }
  });
});
