import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';

const OPERATOR_KEY = 'sk-admin-admission-test';
/** Requests per minute of the metered tenant: enough for what the tests admit, not for what they refuse too. */
const METERED_RPM = 8;

let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    // Every provider call lasts about a second, so that a burst finds every slot taken.
    mock: { latencyMs: 1_000 },
    env: { SWITCHYARD_ADMIN_KEY: OPERATOR_KEY },
    config: {
      api: { admission: { maxConcurrentStarts: 1, maxSyncJobs: 2, maxQueued: 2, maxQueueWaitMs: 4_000 } },
      tenants: { metered: tenant('metered', { limits: { requestsPerMinute: METERED_RPM } }), open: tenant('open') },
    },
  });
  url = harness.api!.url;
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

/** Provider calls whose prompt starts with `prefix`. */
function callsFor(prefix: string): string[] {
  return harness.mock
    .calls()
    .calls.map((call) => call.promptHead)
    .filter((head) => head.startsWith(prefix));
}

function expectRetryAfter(response: JsonResponse): void {
  expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
}

async function metric(name: string, gate: string): Promise<number> {
  const text = (await api(url, 'GET', '/metrics', { key: OPERATOR_KEY })).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{gate="${gate}"`));
  return Number(line?.split(' ').pop() ?? NaN);
}

describe('when synchronous requests exceed the configured capacity', () => {
  const prefix = 'sync burst';
  let responses: JsonResponse[];

  beforeAll(async () => {
    responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api(url, 'POST', '/v1/chat/completions', { body: chatBody(`${prefix} ${i}`), key: tenantKey('metered') }),
      ),
    );
  }, 60_000);

  test('the admitted ones complete and the excess get 503 overloaded with Retry-After, in OpenAI’s shape', () => {
    const statuses = responses.map((r) => r.status).sort();
    // Two run, two wait for their slots; the four beyond the queue are refused at once.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(4);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    for (const refused of responses.filter((r) => r.status === 503)) {
      expectRetryAfter(refused);
      expect(refused.body).toMatchObject({ error: { code: 'overloaded', type: 'api_error', param: null } });
      expect(refused.body.error.message).toMatch(/capacity/);
    }
  });

  test('exactly one provider call per admitted job, none for a refused one', () => {
    const admitted = responses.filter((r) => r.status === 200);
    const heads = callsFor(prefix);
    expect(heads.length).toBe(admitted.length);
    for (const response of admitted) {
      const prompt = String(response.body.choices[0].message.content).match(/sync burst \d+/)?.[0];
      expect(heads.filter((head) => head === prompt)).toHaveLength(1);
    }
  });

  test('refused requests spent none of the tenant’s rate limit', async () => {
    const admitted = responses.filter((r) => r.status === 200).length;
    // Sequential, so none is refused for capacity: the limit lets through what the burst did not spend.
    for (let i = 0; i < METERED_RPM - admitted; i++) {
      const ok = await api(url, 'POST', '/v1/chat/completions', {
        body: chatBody(`after the burst ${i}`),
        key: tenantKey('metered'),
      });
      expect(ok.status).toBe(200);
    }
    const limited = await api(url, 'POST', '/v1/chat/completions', {
      body: chatBody('one too many'),
      key: tenantKey('metered'),
    });
    expect(limited.status).toBe(429);
  }, 60_000);

  test('the refusals are counted and no slot is left held', async () => {
    expect(await metric('switchyard_admission_refused_total', 'sync')).toBeGreaterThanOrEqual(4);
    expect(await metric('switchyard_admission_in_flight', 'sync')).toBe(0);
    expect(await metric('switchyard_admission_queued', 'sync')).toBe(0);
  });
});

describe('when a client disconnects while its request waits for a slot', () => {
  test('the request leaves the queue and never reaches a provider', async () => {
    const running = [0, 1].map((i) =>
      api(url, 'POST', '/v1/chat/completions', { body: chatBody(`holding ${i}`), key: tenantKey('open') }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const controller = new AbortController();
    const gone = fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenantKey('open')}` },
      body: JSON.stringify(chatBody('walked away')),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await metric('switchyard_admission_queued', 'sync')).toBe(1);
    controller.abort();
    await gone;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await metric('switchyard_admission_queued', 'sync')).toBe(0);
    expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200]);
    expect(callsFor('walked away')).toEqual([]);
    expect(await metric('switchyard_admission_in_flight', 'sync')).toBe(0);
  }, 30_000);
});

describe('when asynchronous submits exceed the start queue', () => {
  const prefix = 'async burst';
  let responses: JsonResponse[];

  beforeAll(async () => {
    responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        api(url, 'POST', '/v1/jobs', { body: chatBody(`${prefix} ${i}`), key: tenantKey('open') }),
      ),
    );
  }, 60_000);

  test('the excess get 503 overloaded with Retry-After as problem+json', () => {
    expect(responses.every((r) => r.status === 202 || r.status === 503)).toBe(true);
    const refused = responses.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const response of refused) {
      expectRetryAfter(response);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 503, code: 'overloaded' });
      expect(response.body.retry_after_seconds).toBe(Number(response.headers.get('retry-after')));
    }
  });

  test('nothing is lost: every accepted job completes, with one provider call each', async () => {
    const accepted = responses.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThan(0);
    const done = await Promise.all(
      accepted.map((r) => api(url, 'GET', `/v1/jobs/${r.body.id}?wait=30`, { key: tenantKey('open') })),
    );
    expect(done.map((r) => r.body.status)).toEqual(accepted.map(() => 'completed'));
    expect(callsFor(prefix)).toHaveLength(accepted.length);
  }, 90_000);

  test('a resubmit with an Idempotency-Key already accepted needs no start slot', async () => {
    const key = 'admission-resubmit';
    const body = chatBody('idempotent under load');
    const first = await api(url, 'POST', '/v1/jobs', {
      body,
      key: tenantKey('open'),
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    // Fill the start slot and its queue, then resubmit: the resubmit is answered from the existing job.
    const burst = Array.from({ length: 10 }, (_, i) =>
      api(url, 'POST', '/v1/jobs', { body: chatBody(`filler ${i}`), key: tenantKey('open') }),
    );
    const again = await api(url, 'POST', '/v1/jobs', {
      body,
      key: tenantKey('open'),
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await Promise.all(burst);
  }, 30_000);
});
