import { hashApiKey } from '../../src/config';
import { REPLAY_OF, TENANT } from '../../src/contract/search-attributes';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

const ADMIN_KEY = 'sk-admin';

let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    config: { tenants: { alpha: tenant('alpha'), bravo: tenant('bravo') }, adminApiKeys: [hashApiKey(ADMIN_KEY)] },
  });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
});

const alpha = tenantKey('alpha');
const bravo = tenantKey('bravo');

test("another tenant's job is a 404 job_not_found on read, cancel, delete and replay, and stays untouched", async () => {
  const submitted = await api(url, 'POST', '/v1/jobs', {
    body: chatBody('Private to alpha [[mock:latency=1500]]'),
    key: alpha,
  });
  expect(submitted.status).toBe(202);
  const id = submitted.body.id as string;

  const attempts = [
    api(url, 'GET', `/v1/jobs/${id}`, { key: bravo }),
    api(url, 'POST', `/v1/jobs/${id}/cancel`, { key: bravo }),
    api(url, 'DELETE', `/v1/jobs/${id}`, { key: bravo }),
    api(url, 'POST', `/v1/jobs/${id}/replay`, { key: bravo }),
  ];
  for (const response of await Promise.all(attempts)) {
    expect(response.status).toBe(404);
    // Exactly what a job that does not exist gets, so ids of other tenants' jobs cannot be probed.
    expect(response.body).toMatchObject({ status: 404, code: 'job_not_found', detail: `No job ${id}.` });
  }

  // Bravo's cancel did not reach the job: alpha reads it to completion.
  const done = await api(url, 'GET', `/v1/jobs/${id}?wait=10`, { key: alpha });
  expect(done.status).toBe(200);
  expect(done.body.status).toBe('completed');
  expect(done.body.result.completion.choices[0].message.content).toContain('Private to alpha');
  expect((await harness.client.workflow.getHandle(id).describe()).typedSearchAttributes.get(TENANT)).toBe('alpha');
});

test('a replay starts a new job with the same request, linked to the original by SwitchyardReplayOf', async () => {
  const original = await api(url, 'POST', '/v1/jobs', { body: chatBody('Replay me, please'), key: alpha });
  const originalId = original.body.id as string;
  const first = await api(url, 'GET', `/v1/jobs/${originalId}?wait=10`, { key: alpha });
  expect(first.body.status).toBe('completed');
  const callsBefore = harness.mock.stats().byEndpoint['openai.chat'] ?? 0;

  const replay = await api(url, 'POST', `/v1/jobs/${originalId}/replay`, { key: alpha });
  expect(replay.status).toBe(202);
  expect(replay.body).toMatchObject({ object: 'job', status: 'running', replay_of: originalId });
  const replayId = replay.body.id as string;
  expect(replayId).toMatch(/^job_/);
  expect(replayId).not.toBe(originalId);
  expect(replay.headers.get('location')).toBe(`/v1/jobs/${replayId}`);

  const done = await api(url, 'GET', `/v1/jobs/${replayId}?wait=10`, { key: alpha });
  expect(done.body).toMatchObject({ status: 'completed', model: 'gpt-4o-mini' });
  expect(done.body.result.completion.choices[0].message.content).toContain('Replay me, please');
  // The replay calls the provider again rather than reusing the first answer.
  expect((harness.mock.stats().byEndpoint['openai.chat'] ?? 0) - callsBefore).toBe(1);

  const description = await harness.client.workflow.getHandle(replayId).describe();
  expect(description.typedSearchAttributes.get(REPLAY_OF)).toBe(originalId);
  expect(description.typedSearchAttributes.get(TENANT)).toBe('alpha');
  const originalDescription = await harness.client.workflow.getHandle(originalId).describe();
  expect(originalDescription.typedSearchAttributes.get(REPLAY_OF)).toBeUndefined();
});

test("spend is per tenant; operators read any tenant's with the admin key, and a tenant key is refused there", async () => {
  const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody('Something to pay for'), key: alpha });
  expect((await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=10`, { key: alpha })).body.status).toBe(
    'completed',
  );

  const alphaSpend = await api(url, 'GET', '/v1/spend', { key: alpha });
  expect(alphaSpend.status).toBe(200);
  expect(alphaSpend.body.tenantId).toBe('alpha');
  expect(alphaSpend.body.daily.committedUsd).toBeGreaterThan(0);
  expect(alphaSpend.body.daily).toMatchObject({ reservedUsd: 0, capUsd: null });
  expect(alphaSpend.body.monthly.committedUsd).toBe(alphaSpend.body.daily.committedUsd);

  const bravoSpend = await api(url, 'GET', '/v1/spend', { key: bravo });
  expect(bravoSpend.status).toBe(200);
  expect(bravoSpend.body).toMatchObject({
    tenantId: 'bravo',
    daily: { committedUsd: 0, reservedUsd: 0 },
    monthly: { committedUsd: 0, reservedUsd: 0 },
  });

  const asAdmin = await api(url, 'GET', '/v1/admin/tenants/alpha/spend', { key: ADMIN_KEY });
  expect(asAdmin.status).toBe(200);
  expect(asAdmin.body).toEqual(alphaSpend.body);

  const asTenant = await api(url, 'GET', '/v1/admin/tenants/alpha/spend', { key: alpha });
  expect(asTenant.status).toBe(403);
  expect(asTenant.body).toMatchObject({ status: 403, code: 'admin_key_required' });

  const unknownTenant = await api(url, 'GET', '/v1/admin/tenants/nobody/spend', { key: ADMIN_KEY });
  expect(unknownTenant.status).toBe(404);
  expect(unknownTenant.body.code).toBe('tenant_not_found');

  // The admin key is an operator key, not a tenant key.
  expect((await api(url, 'GET', '/v1/spend', { key: ADMIN_KEY })).status).toBe(401);
});

test('an unknown key is a 401 invalid_api_key', async () => {
  for (const [method, path] of [
    ['POST', '/v1/jobs'],
    ['GET', '/v1/jobs/job_whatever123'],
    ['GET', '/v1/spend'],
  ] as const) {
    const response = await api(url, method, path, {
      body: method === 'POST' ? chatBody('hi') : undefined,
      key: 'sk-nobody',
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ status: 401, code: 'invalid_api_key' });
  }
  const openAI = await api(url, 'POST', '/v1/chat/completions', { body: chatBody('hi'), key: 'sk-nobody' });
  expect(openAI.status).toBe(401);
  expect(openAI.body.error).toMatchObject({ code: 'invalid_api_key', type: 'authentication_error' });
});
