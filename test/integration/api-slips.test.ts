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

describe('job ids in the path', () => {
  test('a well-formed id of no job is a 404 job_not_found, however short', async () => {
    for (const id of ['job_nope', 'job_x', 'job_doesnotexist123']) {
      const response = await api(url, 'GET', `/v1/jobs/${id}`);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ status: 404, code: 'job_not_found' });
    }
    expect((await api(url, 'POST', '/v1/jobs/job_nope/cancel')).status).toBe(404);
    expect((await api(url, 'POST', '/v1/jobs/job_nope/replay')).status).toBe(404);
  });

  test('a malformed id is a 400 invalid_job_id whose message names the path parameter', async () => {
    for (const path of ['/v1/jobs/job_%07bell', `/v1/jobs/job_${'a'.repeat(200)}`, '/v1/jobs/job_caf%C3%A9']) {
      const response = await api(url, 'GET', path);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('invalid_job_id');
      expect(response.body.detail).toMatch(/^path parameter id: /);
      expect(response.body.detail).not.toContain('(body)');
    }
  });
});

describe('idempotent resubmits report the job as it is', () => {
  test('resubmitting a completed job answers 202 with status completed and Idempotent-Replayed', async () => {
    const body = chatBody('Idempotent and finished');
    const headers = { 'idempotency-key': `slips-done-${Date.now()}` };
    const first = await api(url, 'POST', '/v1/jobs', { body, headers });
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('running');
    expect((await api(url, 'GET', `/v1/jobs/${first.body.id}?wait=20`)).body.status).toBe('completed');

    const again = await api(url, 'POST', '/v1/jobs', { body, headers });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ id: first.body.id, object: 'job', status: 'completed' });
  });

  test('resubmitting a failed job reports it as failed', async () => {
    const body = chatBody('Refused for good [[mock:content-policy]]');
    const headers = { 'idempotency-key': `slips-failed-${Date.now()}` };
    const first = await api(url, 'POST', '/v1/jobs', { body, headers });
    expect((await api(url, 'GET', `/v1/jobs/${first.body.id}?wait=20`)).body.status).toBe('failed');

    const again = await api(url, 'POST', '/v1/jobs', { body, headers });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: first.body.id, status: 'failed' });
  });
});

test('the cancel reply says cancelling and carries no progress phase', async () => {
  const calls = () => harness.mock.stats().byEndpoint['openai.chat'] ?? 0;
  const before = calls();
  const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody('Long answer [[mock:latency=20000]]') });
  const id: string = submitted.body.id;
  // Cancel while the provider call is in flight, the moment the reply used to show the aborted call's phase.
  for (let i = 0; i < 100 && calls() === before; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(calls()).toBe(before + 1);

  const cancelled = await api(url, 'POST', `/v1/jobs/${id}/cancel`);
  expect(cancelled.status).toBe(202);
  expect(cancelled.body).toMatchObject({ id, object: 'job', status: 'cancelling' });
  expect(cancelled.body).not.toHaveProperty('progress');
  expect(cancelled.body).not.toHaveProperty('error');

  const ended = await api(url, 'GET', `/v1/jobs/${id}?wait=20`);
  expect(ended.body).toMatchObject({ status: 'cancelled', error: { code: 'job_cancelled' } });
});

test('a replayed job shows replay_of on GET, and the original does not', async () => {
  const original = await api(url, 'POST', '/v1/jobs', { body: chatBody('Replay me') });
  const originalId: string = original.body.id;
  expect((await api(url, 'GET', `/v1/jobs/${originalId}?wait=20`)).body.status).toBe('completed');

  const replay = await api(url, 'POST', `/v1/jobs/${originalId}/replay`);
  expect(replay.status).toBe(202);
  expect(replay.body.replay_of).toBe(originalId);

  const replayed = await api(url, 'GET', `/v1/jobs/${replay.body.id}?wait=20`);
  expect(replayed.body).toMatchObject({ id: replay.body.id, status: 'completed', replay_of: originalId });
  expect((await api(url, 'GET', `/v1/jobs/${originalId}`)).body).not.toHaveProperty('replay_of');
});
