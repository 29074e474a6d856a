import { startHarness, chatBody, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness({ api: true });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
});

describe('POST /v1/jobs and GET /v1/jobs/:id', () => {
  test('a submitted job is accepted with 202 and a Location, and long-polling returns its completed result', async () => {
    const submitted = await api(url, 'POST', '/v1/jobs', {
      body: { ...chatBody('Summarise Temporal in one line'), metadata: { ticket: 'T-1' } },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.body).toMatchObject({ object: 'job', status: 'running', model: 'gpt-4o-mini' });
    const id: string = submitted.body.id;
    expect(id).toMatch(/^job_/);
    expect(submitted.headers.get('location')).toBe(`/v1/jobs/${id}`);

    const done = await api(url, 'GET', `/v1/jobs/${id}?wait=10`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      id,
      object: 'job',
      status: 'completed',
      model: 'gpt-4o-mini',
      metadata: { ticket: 'T-1' },
    });
    expect(done.body.result.completion.choices[0].message.content).toContain('Summarise Temporal in one line');
    expect(done.body.result).toMatchObject({ providerId: 'openai', cacheHit: false, degraded: false });
    expect(done.body.result.costUsd).toBeGreaterThan(0);
    expect(done.body.completed_at).not.toBeNull();
  });

  test('without wait, a running job is reported as running at once, even while a local call holds its task', async () => {
    const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody('Slowly [[mock:latency=3000]]') });
    await new Promise((r) => setTimeout(r, 300));
    const asked = Date.now();
    const running = await api(url, 'GET', `/v1/jobs/${submitted.body.id}`);
    expect(running.status).toBe(200);
    expect(running.body.status).toBe('running');
    // The progress query would wait for the call to end; the reply does not (see README, Local provider calls).
    expect(running.body.progress).toBeUndefined();
    expect(Date.now() - asked).toBeLessThan(1_400);
    expect((await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=10`)).body.status).toBe('completed');
  });

  test('a failed job reports its typed error and code', async () => {
    const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody('Refuse [[mock:content-policy]]') });
    const failed = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=10`);
    expect(failed.body).toMatchObject({
      status: 'failed',
      error: { code: 'content_policy_violation', type: 'CONTENT_POLICY' },
    });
  });

  test('the same Idempotency-Key returns the same job, and reusing it for another request is a 409', async () => {
    const key = `order-${Date.now()}`;
    const first = await api(url, 'POST', '/v1/jobs', {
      body: chatBody('Once only'),
      headers: { 'idempotency-key': key },
    });
    const again = await api(url, 'POST', '/v1/jobs', {
      body: chatBody('Once only'),
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const different = await api(url, 'POST', '/v1/jobs', {
      body: chatBody('Something else'),
      headers: { 'idempotency-key': key },
    });
    expect(different.status).toBe(409);
    expect(different.body).toMatchObject({ code: 'idempotency_key_reused', status: 409 });
    expect(harness.mock.stats().byEndpoint['openai.chat']).toBeGreaterThanOrEqual(1);
  });

  test('cancelling a running job ends it as cancelled; cancelling again is a 409', async () => {
    const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody('Long one [[mock:latency=5000]]') });
    const cancelled = await api(url, 'POST', `/v1/jobs/${submitted.body.id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe('cancelling');
    const after = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=10`);
    expect(after.body).toMatchObject({ status: 'cancelled', error: { code: 'job_cancelled' } });
    const again = await api(url, 'DELETE', `/v1/jobs/${submitted.body.id}`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('job_not_running');
  });
});

describe('bad input gets a clear error in one shape', () => {
  test('an unknown job id is a 404', async () => {
    const response = await api(url, 'GET', '/v1/jobs/job_doesnotexist123');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 404, code: 'job_not_found' });
  });

  test('a malformed job id is a 400', async () => {
    const response = await api(url, 'GET', '/v1/jobs/not-a-job');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_job_id');
  });

  test('a request without the API key is a 401; with a wrong key too', async () => {
    expect((await api(url, 'POST', '/v1/jobs', { body: chatBody('hi'), key: null })).body).toMatchObject({
      status: 401,
      code: 'missing_api_key',
    });
    expect((await api(url, 'GET', '/v1/jobs/job_whatever123', { key: 'sk-wrong' })).status).toBe(401);
  });

  test('a body missing messages names the field', async () => {
    const response = await api(url, 'POST', '/v1/jobs', { body: { model: 'gpt-4o-mini' } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_request');
    expect(response.body.detail).toMatch(/^messages: /);
  });

  test('an unsupported field is rejected rather than dropped', async () => {
    const response = await api(url, 'POST', '/v1/jobs', { body: { ...chatBody('hi'), tools: [] } });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/tools/);
  });

  test('invalid JSON is a 400, an oversized body a 413', async () => {
    expect((await api(url, 'POST', '/v1/jobs', { rawBody: '{"model":' })).body).toMatchObject({
      status: 400,
      code: 'invalid_json',
    });
    const huge = await api(url, 'POST', '/v1/jobs', { body: chatBody('x'.repeat(1_100_000)) });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('payload_too_large');
  });

  test('an unknown model is a 400 that lists the known ones', async () => {
    const response = await api(url, 'POST', '/v1/jobs', { body: chatBody('hi', 'gpt-99') });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('unknown_model');
    expect(response.body.detail).toMatch(/gpt-4o-mini/);
  });

  test('an unknown route is a 404', async () => {
    const response = await api(url, 'GET', '/v2/nothing');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('route_not_found');
  });

  test('wait beyond 60 seconds is rejected', async () => {
    const response = await api(url, 'GET', '/v1/jobs/job_whatever123?wait=600');
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/wait/);
  });
});

describe('health', () => {
  test('/healthz and /readyz answer while Temporal is reachable', async () => {
    expect((await api(url, 'GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    expect((await api(url, 'GET', '/readyz', { key: null })).body).toMatchObject({ status: 'ready' });
  });
});
