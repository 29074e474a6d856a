import fc from 'fast-check';
import { buildOpenApiDocument } from '../../src/api/openapi';
import { startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { findOperation, violations, type FuzzResponse } from '../helpers/fuzz-oracle';
import {
  authArb,
  bodyRequestArb,
  jobIdRequestArb,
  modelArb,
  otherRequestArb,
  type FuzzKeys,
  type FuzzRequest,
} from '../helpers/fuzz-requests';
import type { SchemaNode } from '../helpers/json-schema';

/**
 * Schema-driven fuzzing of the running API: requests generated from the OpenAPI document (valid bodies and
 * mutations of them, odd headers, paths, ids and query strings) against every route, with a tenant key, an
 * operator key and none. No request may get a 5xx, every error must have a documented shape, and every 2xx
 * must be what the document says. SWITCHYARD_FUZZ_RUNS sets the number of requests, SWITCHYARD_FUZZ_SEED the seed.
 */

const SEED = Number(process.env.SWITCHYARD_FUZZ_SEED ?? 20_261_127);
const TOTAL = Math.max(5_000, Number(process.env.SWITCHYARD_FUZZ_RUNS ?? 5_000));
/** Requests in flight at once: enough to keep the API busy, few enough for two shared cores. */
const BATCH = 12;
const KNOWN_MODELS = [
  'gpt-4o-mini',
  'claude-haiku-4-5',
  'gemini-2.5-flash-lite',
  'fuzz-route',
  'openai:fuzz-pass-through',
];

const keys: FuzzKeys = {
  tenant: tenantKey('fuzz-a'),
  otherTenant: tenantKey('fuzz-b'),
  operator: 'sk-test-fuzz-operator',
};
const generous = {
  limits: { requestsPerMinute: 1_000_000, tokensPerMinute: 2_000_000_000 },
  budget: { dailyUsd: 1e6 },
};

let harness: Harness;
let baseUrl: string;
const document = buildOpenApiDocument();
const realJobIds: string[] = [];
const statuses = new Map<number, number>();
let sent = 0;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    mock: { latencyMs: 0 },
    env: { SWITCHYARD_ADMIN_KEY: keys.operator },
    config: {
      tenants: { 'fuzz-a': tenant('fuzz-a', generous), 'fuzz-b': tenant('fuzz-b', generous) },
      routes: { 'fuzz-route': { targets: ['gpt-4o-mini', 'claude-haiku-4-5'] } },
      api: { syncTimeoutSeconds: 30 },
    },
  });
  baseUrl = harness.api!.url;
  console.log(`fuzz: seed ${SEED}, ${TOTAL} requests (SWITCHYARD_FUZZ_SEED / SWITCHYARD_FUZZ_RUNS to change)`);
});

afterAll(async () => {
  await harness?.close();
});

function resolvePath(path: string): string {
  return path.replace(
    /\{real-job:(\d+)\}/g,
    (_m, n: string) => realJobIds[Number(n) % Math.max(1, realJobIds.length)] ?? 'job_none0000',
  );
}

async function send(request: FuzzRequest): Promise<FuzzResponse> {
  sent++;
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(45_000),
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const text = await response.text();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  return { status: response.status, headers: response.headers, text };
}

function report(request: FuzzRequest, response: FuzzResponse | undefined): string {
  const body = request.body === undefined ? '' : Buffer.from(request.body).toString('utf8').slice(0, 300);
  return [
    `${request.method} ${request.path.slice(0, 300)} [${request.category}: ${request.detail}]`,
    `request headers: ${JSON.stringify(request.headers).slice(0, 300)}`,
    `request body: ${JSON.stringify(body)}`,
    response ? `response ${response.status}: ${response.text.slice(0, 500)}` : 'no response',
  ].join('\n');
}

/** Sends a batch at once and fails with every broken promise, naming the request. */
async function check(batch: FuzzRequest[], onResponse?: (request: FuzzRequest, response: FuzzResponse) => void) {
  const problems = await Promise.all(
    batch.map(async (raw) => {
      const request = { ...raw, path: resolvePath(raw.path) };
      let response: FuzzResponse | undefined;
      try {
        response = await send(request);
      } catch (err) {
        return `no answer (${String(err)})\n${report(request, undefined)}`;
      }
      onResponse?.(request, response);
      const found = violations(document, request, response);
      return found.length > 0 ? `${found.join('; ')}\n${report(request, response)}` : null;
    }),
  );
  const failures = problems.filter((p): p is string => p !== null);
  if (failures.length > 0) throw new Error(failures.join('\n\n'));
}

/** Runs `count` requests from `arb` in concurrent batches, as one fast-check property with its own seed. */
async function fuzz(
  phase: number,
  count: number,
  arb: fc.Arbitrary<FuzzRequest>,
  onResponse?: (request: FuzzRequest, response: FuzzResponse) => void,
  batch = BATCH,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(arb, { minLength: batch, maxLength: batch }), (requests) => check(requests, onResponse)),
    { seed: SEED + phase, numRuns: Math.ceil(count / batch) },
  );
}

const schema = (name: string) => document.components.schemas[name] as SchemaNode;
const share = (fraction: number) => Math.round(TOTAL * fraction);

/** Keeps the ids of jobs the run created, so later requests can read, cancel and replay real jobs. */
function collectJobIds(request: FuzzRequest, response: FuzzResponse): void {
  if (response.status !== 202 || request.method !== 'POST') return;
  const id = (JSON.parse(response.text) as { id?: unknown }).id;
  if (typeof id === 'string' && !realJobIds.includes(id)) realJobIds.push(id);
}

test('the API serves the document the fuzzer is driven by', async () => {
  const response = await send({ category: 'document', method: 'GET', path: '/openapi.json', headers: {}, detail: '' });
  expect(response.status).toBe(200);
  expect(JSON.parse(response.text)).toEqual(document);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item))
      expect(findOperation(document, method.toUpperCase(), path)?.template).toBe(path);
  }
});

test('when valid jobs are submitted, they are accepted as documented', async () => {
  const models = fc.constantFrom(...KNOWN_MODELS);
  const valid = bodyRequestArb({
    path: '/v1/jobs',
    schema: schema('JobRequest'),
    document,
    keys,
    models,
    mutate: false,
  });
  await fuzz(1, share(0.05), valid, collectJobIds);
  expect(realJobIds.length).toBeGreaterThan(share(0.05) / 2);
});

test('when valid chat completions are sent, they are answered as documented', async () => {
  const models = fc.constantFrom(...KNOWN_MODELS);
  const valid = bodyRequestArb({
    path: '/v1/chat/completions',
    schema: schema('ChatCompletionRequest'),
    document,
    keys,
    models,
    mutate: false,
  });
  await fuzz(2, 24, valid, undefined, 4);
});

test('when job bodies are mutated, the API refuses what its schema forbids, without a 5xx', async () => {
  const base = bodyRequestArb({
    path: '/v1/jobs',
    schema: schema('JobRequest'),
    document,
    keys,
    models: modelArb(KNOWN_MODELS, 3),
    mutate: true,
  });
  await fuzz(3, share(0.3), base, collectJobIds);
});

test('when chat completion bodies are mutated, errors come in OpenAI’s shape, without a 5xx', async () => {
  const base = bodyRequestArb({
    path: '/v1/chat/completions',
    schema: schema('ChatCompletionRequest'),
    document,
    keys,
    models: modelArb(KNOWN_MODELS, 1),
    mutate: true,
  });
  await fuzz(4, share(0.2), base);
});

test('when job ids, paths and query strings are odd, every answer is a documented one', async () => {
  expect(realJobIds.length).toBeGreaterThan(0);
  await fuzz(5, share(0.23), jobIdRequestArb(keys), collectJobIds);
});

test('when other routes and unknown paths are hit with any key or none, every answer is a documented one', async () => {
  await fuzz(6, share(0.17), otherRequestArb(keys));
});

test('when codec payloads are mutated, the codec endpoint refuses what its schema forbids, without a 5xx', async () => {
  const codec = fc.constantFrom('/v1/admin/codec/decode', '/v1/admin/codec/encode', '/v1/admin/codec/default/decode');
  const auth = authArb(keys, 12, 2);
  const requests = codec.chain((path) =>
    bodyRequestArb({ path, schema: schema('Payloads'), document, keys, mutate: true, auth }),
  );
  await fuzz(7, share(0.05), requests);
});

test('after the run, the API still answers and every request was counted', async () => {
  const health = await send({ category: 'health', method: 'GET', path: '/healthz', headers: {}, detail: '' });
  expect(health.status).toBe(200);
  const histogram = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
  console.log(
    `fuzz: ${sent} requests, seed ${SEED}, ${realJobIds.length} jobs created; statuses ${histogram.join(', ')}`,
  );
  expect(sent).toBeGreaterThanOrEqual(TOTAL);
  expect([...statuses.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);
});
