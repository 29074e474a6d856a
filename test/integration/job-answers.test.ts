import { STATUS_QUERY, type JobStatus } from '../../src/contract/job';
import type { MockCallLog } from '../../src/mock-provider/call-log';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

const config = {
  tenants: {
    limited: tenant('limited', { limits: { requestsPerMinute: 1 } }),
    cacheonly: tenant('cacheonly', { cache: { mode: 'only' } }),
    plain: tenant('plain'),
  },
};

let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness({ api: true, config });
  url = harness.api!.url;
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

/** Every call the mock provider answered so far, from its own log over HTTP. */
async function providerCalls(): Promise<MockCallLog> {
  const response = await fetch(`${harness.mock.url}/_mock/calls`);
  expect(response.status).toBe(200);
  return (await response.json()) as MockCallLog;
}

describe('a tenant at its rate limit', () => {
  test('resubmitting with the same Idempotency-Key gets its job back, not a 429', async () => {
    const key = tenantKey('limited');
    const body = chatBody('Idempotent under a rate limit');
    const headers = { 'idempotency-key': 'limited-order-1' };
    const first = await api(url, 'POST', '/v1/jobs', { body, headers, key });
    expect(first.status).toBe(202);

    // The one request of this minute is spent: a new job is refused.
    const other = await api(url, 'POST', '/v1/jobs', { body: chatBody('A new job'), key });
    expect(other.status).toBe(429);
    expect(other.body).toMatchObject({ code: 'rate_limit_exceeded' });

    const again = await api(url, 'POST', '/v1/jobs', { body, headers, key });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    // The key bound to another request is still a conflict, and never counted as a new job.
    const reused = await api(url, 'POST', '/v1/jobs', { body: chatBody('Something else'), headers, key });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ code: 'idempotency_key_reused' });
  });
});

describe('a tenant answered from the cache only', () => {
  test('a non-deterministic request is refused with a 400 naming temperature, and no provider is called', async () => {
    const key = tenantKey('cacheonly');
    const body = chatBody('Tell me a story', 'gpt-4o-mini', { temperature: 0.7 });

    const job = await api(url, 'POST', '/v1/jobs', { body, key });
    expect(job.status).toBe(400);
    expect(job.body).toMatchObject({ code: 'request_not_cacheable' });
    expect(job.body.detail).toMatch(/temperature/);

    const chat = await api(url, 'POST', '/v1/chat/completions', { body, key });
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatchObject({ code: 'request_not_cacheable', param: 'temperature' });

    // Without a temperature the request is not deterministic either.
    const unset = await api(url, 'POST', '/v1/chat/completions', { body: chatBody('Tell me another'), key });
    expect(unset.status).toBe(400);

    // A deterministic request is looked up, and a miss fails as a miss.
    const miss = await api(url, 'POST', '/v1/chat/completions', {
      body: chatBody('Never asked', 'gpt-4o-mini', { temperature: 0 }),
      key,
    });
    expect(miss.status).toBe(422);
    expect(miss.body.error).toMatchObject({ code: 'cache_miss' });

    // Other tests' jobs may still be calling: only this tenant's prompts must be missing from the log.
    const { calls, dropped } = await providerCalls();
    expect(dropped).toBe(0);
    const asked = ['Tell me a story', 'Tell me another', 'Never asked'];
    expect(calls.map((call) => call.promptHead.trim()).filter((prompt) => asked.includes(prompt))).toEqual([]);
  });
});

describe('a cancelled job', () => {
  test('reads as cancelled, in GET /v1/jobs/:id and in its status query', async () => {
    const key = tenantKey('plain');
    const hangs = () => harness.mock.stats().byStatus.hang ?? 0;
    const hangsBefore = hangs();
    const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody('Think forever [[mock:hang]]'), key });
    expect(submitted.status).toBe(202);
    const jobId: string = submitted.body.id;
    const deadline = Date.now() + 15_000;
    while (hangs() === hangsBefore) {
      if (Date.now() > deadline) throw new Error('the provider never received the request');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await api(url, 'POST', `/v1/jobs/${jobId}/cancel`, { key })).status).toBe(202);

    const job = await api(url, 'GET', `/v1/jobs/${jobId}?wait=20`, { key });
    expect(job.body).toMatchObject({ status: 'cancelled', error: { code: 'job_cancelled', type: 'CANCELLED' } });
    // A closed job's query is answered by replaying its history on a worker.
    const status = await harness.client.workflow.getHandle(jobId).query<JobStatus>(STATUS_QUERY);
    expect(status.phase).toBe('cancelled');
  }, 60_000);
});
