import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { TENANT } from '../../src/contract/search-attributes';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';
import { itemsOf } from '../helpers/job-list';

const ADMIN = 'sk-test-list-admin';
const suffix = randomBytes(3).toString('hex');
// The dev server is shared by every test file: this file's tenants and route are its own.
const ACME = `acme${suffix}`;
const GLOBEX = `globex${suffix}`;
const ROUTE = `listed-${suffix}`;

let harness: Harness;
let url: string;

/** Jobs this file created, by tenant and outcome. */
const created = { acmeCompleted: [] as string[], acmeFailed: '', globex: '' };

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    env: { SWITCHYARD_ADMIN_KEY: ADMIN },
    config: {
      tenants: { [ACME]: tenant(ACME), [GLOBEX]: tenant(GLOBEX) },
      circuitBreaker: { consecutiveFailures: 1_000, minRequests: 1_000 },
      routes: { [ROUTE]: { targets: [{ target: 'gpt-4o-mini', maxAttempts: 1 }] } },
    },
  });
  url = harness.api!.url;
  const run = async (owner: string, text: string) => {
    const submitted = await api(url, 'POST', '/v1/jobs', { key: tenantKey(owner), body: chatBody(text, ROUTE) });
    expect(submitted.status).toBe(202);
    const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key: tenantKey(owner) });
    return done.body as { id: string; status: string };
  };
  for (const text of ['one', 'two', 'three']) {
    const job = await run(ACME, `listed ${text}`);
    expect(job.status).toBe('completed');
    created.acmeCompleted.push(job.id);
  }
  const failed = await run(ACME, 'listed outage [[mock:status=500]]');
  expect(failed.status).toBe('failed');
  created.acmeFailed = failed.id;
  const other = await run(GLOBEX, 'listed elsewhere');
  expect(other.status).toBe('completed');
  created.globex = other.id;
  // Visibility trails the jobs by a moment: wait until every one of them is listed as closed.
  await listUntil(ADMIN, `model=${ROUTE}&status=completed,failed`, (body) => body.data.length === 5);
}, 90_000);
afterAll(async () => {
  await harness?.close();
});

/** Lists with `query` until `done` holds (visibility is eventually consistent); the last answer. */
async function listUntil(key: string, query: string, done: (body: JsonResponse['body']) => boolean) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await api(url, 'GET', `/v1/jobs?${query}`, { key });
    expect(response.status).toBe(200);
    if (done(response.body) || Date.now() > deadline) return response;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ids = (response: JsonResponse) => (response.body.data as Array<{ id: string }>).map((item) => item.id).sort();
const acmeIds = () => [...created.acmeCompleted, created.acmeFailed].sort();

test('a tenant lists its own jobs with what visibility knows of each', async () => {
  const listed = await api(url, 'GET', `/v1/jobs?model=${ROUTE}`, { key: tenantKey(ACME) });
  expect(listed.status).toBe(200);
  expect(listed.body).toMatchObject({ object: 'list', next_cursor: null });
  expect(ids(listed)).toEqual(acmeIds());
  const failed = itemsOf(listed.body).find((item) => item.id === created.acmeFailed);
  expect(failed).toMatchObject({
    object: 'job',
    kind: 'chat',
    tenant: ACME,
    status: 'failed',
    model: ROUTE,
    failure_type: 'SERVER_ERROR',
    replay_of: null,
    closed_at: expect.any(String),
  });
  const completed = itemsOf(listed.body).find((item) => item.id === created.acmeCompleted[0]);
  expect(completed).toMatchObject({ status: 'completed', provider: 'openai', cache_hit: false, degraded: false });
  expect(completed?.cost_usd).toBeGreaterThan(0);
  // Newest first.
  const created_at = itemsOf(listed.body).map((item) => item.created_at);
  expect(created_at).toEqual([...created_at].sort().reverse());
});

test('filters narrow the list: status, failure type, provider, degraded and creation time', async () => {
  const key = tenantKey(ACME);
  const q = (query: string) => api(url, 'GET', `/v1/jobs?model=${ROUTE}&${query}`, { key });
  expect(ids(await q('status=failed'))).toEqual([created.acmeFailed]);
  expect(ids(await q('status=completed'))).toEqual([...created.acmeCompleted].sort());
  expect(ids(await q('status=completed,failed'))).toEqual(acmeIds());
  expect(ids(await q('status=running,cancelled'))).toEqual([]);
  expect(ids(await q('failure_type=SERVER_ERROR'))).toEqual([created.acmeFailed]);
  expect(ids(await q('failure_type=TIMEOUT'))).toEqual([]);
  expect(ids(await q('provider=openai&status=completed'))).toEqual([...created.acmeCompleted].sort());
  expect(ids(await q('degraded=false&status=completed'))).toEqual([...created.acmeCompleted].sort());
  expect(ids(await q('degraded=true'))).toEqual([]);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  expect(ids(await q(`created_after=${future}`))).toEqual([]);
  expect(ids(await q(`created_before=${future}`))).toEqual(acmeIds());
  expect(ids(await q(`created_before=2020-01-01T00:00:00Z`))).toEqual([]);
});

test('pages follow the cursor until next_cursor is null, each job once', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: JsonResponse = await api(
      url,
      'GET',
      `/v1/jobs?model=${ROUTE}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      { key: tenantKey(ACME) },
    );
    expect(page.status).toBe(200);
    expect(page.body.data.length).toBeLessThanOrEqual(2);
    seen.push(...itemsOf(page.body).map((item) => item.id));
    cursor = page.body.next_cursor;
    pages++;
  } while (cursor && pages < 10);
  expect(pages).toBeGreaterThanOrEqual(2);
  expect(seen.sort()).toEqual(acmeIds());
});

test("a tenant can neither see nor name another tenant's jobs", async () => {
  const key = tenantKey(GLOBEX);
  expect(ids(await api(url, 'GET', `/v1/jobs?model=${ROUTE}`, { key }))).toEqual([created.globex]);
  expect(ids(await api(url, 'GET', `/v1/jobs?replay_of=${created.acmeFailed}`, { key }))).toEqual([]);
  expect((await api(url, 'GET', `/v1/jobs/${created.acmeFailed}`, { key })).status).toBe(404);
  const named = await api(url, 'GET', `/v1/jobs?tenant=${ACME}`, { key });
  expect(named.status).toBe(403);
  expect(named.body.code).toBe('tenant_mismatch');
  expect((await api(url, 'GET', `/v1/jobs?tenant=${GLOBEX}&model=${ROUTE}`, { key })).status).toBe(200);
});

test('a quote in a value neither breaks nor widens the query', async () => {
  const key = tenantKey(GLOBEX);
  for (const model of [`x' OR SwitchyardTenant = '${ACME}`, `${ROUTE}' OR '1'='1`, `a\\' OR 1=1 OR '`, `"${ROUTE}"`]) {
    const listed = await api(url, 'GET', `/v1/jobs?model=${encodeURIComponent(model)}`, { key });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([]);
  }
});

test('an operator lists every tenant or one, reads any job and submits for a named tenant', async () => {
  const all = await api(url, 'GET', `/v1/jobs?model=${ROUTE}`, { key: ADMIN });
  expect(ids(all)).toEqual([...acmeIds(), created.globex].sort());
  expect(new Set(itemsOf(all.body).map((item) => item.tenant))).toEqual(new Set([ACME, GLOBEX]));
  expect(ids(await api(url, 'GET', `/v1/jobs?model=${ROUTE}&tenant=${GLOBEX}`, { key: ADMIN }))).toEqual([
    created.globex,
  ]);
  const read = await api(url, 'GET', `/v1/jobs/${created.acmeFailed}`, { key: ADMIN });
  expect(read.body).toMatchObject({ id: created.acmeFailed, status: 'failed' });

  const unnamed = await api(url, 'POST', '/v1/jobs', { key: ADMIN, body: chatBody('for whom?', ROUTE) });
  expect(unnamed.status).toBe(400);
  expect(unnamed.body.code).toBe('tenant_required');
  const unknown = await api(url, 'GET', '/v1/jobs?tenant=nobody-here', { key: ADMIN });
  expect(unknown.status).toBe(400);
  expect(unknown.body.code).toBe('unknown_tenant');
  const submitted = await api(url, 'POST', `/v1/jobs?tenant=${GLOBEX}`, {
    key: ADMIN,
    body: chatBody('for globex', ROUTE),
  });
  expect(submitted.status).toBe(202);
  const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key: tenantKey(GLOBEX) });
  expect(done.body.status).toBe('completed');
  expect((await api(url, 'GET', `/v1/jobs/${submitted.body.id}`, { key: tenantKey(ACME) })).status).toBe(404);

  // An operator replays any tenant's job; the replay runs as, and belongs to, that tenant.
  const replay = await api(url, 'POST', `/v1/jobs/${created.globex}/replay`, { key: ADMIN });
  expect(replay.status).toBe(202);
  expect(replay.body.replay_of).toBe(created.globex);
  const replayed = await api(url, 'GET', `/v1/jobs/${replay.body.id}?wait=30`, { key: tenantKey(GLOBEX) });
  expect(replayed.body).toMatchObject({ status: 'completed', replay_of: created.globex });
});

test('every bad parameter is a 400 naming it', async () => {
  const key = tenantKey(ACME);
  const cases: Array<[string, string]> = [
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=ten', 'limit'],
    ['status=lost', 'status'],
    ['status=', 'status'],
    ['created_after=yesterday', 'created_after'],
    ['created_before=2026-13-01', 'created_before'],
    ['degraded=maybe', 'degraded'],
    ['cursor=not%20a%20cursor', 'cursor'],
    ['cursor=AAAA', 'cursor'],
    ['model=', 'model'],
    ['colour=blue', 'colour'],
  ];
  for (const [query, param] of cases) {
    const response = await api(url, 'GET', `/v1/jobs?${query}`, { key });
    expect({ query, status: response.status, param: response.body.param }).toEqual({ query, status: 400, param });
  }
  expect((await api(url, 'GET', '/v1/jobs', { key: 'sk-nobody' })).status).toBe(401);
});

test('a job whose memo this API cannot decode (written under another payload codec) is still listed', async () => {
  // Another deployment (or a retired encryption key) wrote this run's memo: the list reads no memo.
  const foreign = new Client({
    connection: harness.client.connection,
    namespace: harness.client.options.namespace,
    dataConverter: {
      payloadCodecs: [
        {
          encode: (payloads) =>
            Promise.resolve(
              payloads.map((p) => ({ metadata: { encoding: Buffer.from('binary/foreign') }, data: p.data })),
            ),
          decode: (payloads) => Promise.resolve(payloads),
        },
      ],
    },
  });
  const workflowId = `job_foreign${suffix}`;
  await foreign.workflow.start('aiJob', {
    workflowId,
    taskQueue: `nobody-polls-${suffix}`,
    args: [],
    memo: { note: 'unreadable here' },
    typedSearchAttributes: [{ key: TENANT, value: ACME }],
  });
  try {
    const response = await listUntil(tenantKey(ACME), 'status=running', (page) =>
      itemsOf(page).some((item) => item.id === workflowId),
    );
    expect(itemsOf(response.body).find((item) => item.id === workflowId)).toMatchObject({
      tenant: ACME,
      status: 'running',
    });
  } finally {
    await foreign.workflow.getHandle(workflowId).terminate('test over');
  }
});
