import { gzipSync } from 'node:zlib';
import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

// Findings of the API fuzzer (test/integration/fuzz.test.ts), each pinned by a request that reproduces it.

let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    config: {
      routes: { once: { targets: [{ target: 'gpt-4o-mini', maxAttempts: 1 }] } },
      circuitBreaker: { consecutiveFailures: 1, openSeconds: 600 },
    },
  });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
});

test('when a job id is not valid percent-encoding, the answer is a 400 problem, not a 500', async () => {
  for (const path of ['/v1/jobs/%E0%A4%A', '/v1/jobs/%ZZ/cancel', '/v1/jobs/job_%C0aaaaaaaa/replay']) {
    const response = await api(url, path.endsWith('cancel') || path.endsWith('replay') ? 'POST' : 'GET', path);
    expect({ path, status: response.status, code: response.body.code }).toEqual({
      path,
      status: 400,
      code: 'invalid_path',
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }
});

test('when a gzip body does not decompress, the answer is a 400 in the route’s error shape, not a 500', async () => {
  const garbage = { headers: { 'content-encoding': 'gzip' }, rawBody: JSON.stringify(chatBody('hi')) };
  const job = await api(url, 'POST', '/v1/jobs', garbage);
  expect(job.status).toBe(400);
  expect(job.body.code).toBe('invalid_body');
  const chat = await api(url, 'POST', '/v1/chat/completions', garbage);
  expect(chat.status).toBe(400);
  expect(chat.body.error).toEqual(expect.objectContaining({ code: 'invalid_body', type: 'invalid_request_error' }));
});

test('when a gzip body is well formed, it is read like a plain one', async () => {
  const response = await fetch(`${url}/v1/jobs`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${harness.env.SWITCHYARD_API_KEY}`,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    },
    body: gzipSync(JSON.stringify(chatBody('hi', 'unknown-model-x'))),
  });
  expect(response.status).toBe(400);
  expect(((await response.json()) as { code: string }).code).toBe('unknown_model');
});

test('when a provider outage answers a chat completion with a 503, it carries Retry-After', async () => {
  const failed = await api(url, 'POST', '/v1/chat/completions', {
    body: chatBody('[[mock:status=500]] open it', 'once'),
  });
  expect(failed.status).toBe(502);
  const refused = await api(url, 'POST', '/v1/chat/completions', { body: chatBody('now', 'once') });
  expect(refused.status).toBe(503);
  expect(refused.body.error.code).toBe('provider_circuit_open');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
});

test('when a Gemini request has no user or assistant text, it fails as invalid without opening the circuit', async () => {
  const body = { model: 'gemini-2.5-flash-lite', messages: [{ role: 'system', content: 'Be brief.' }] };
  for (let i = 0; i < 2; i++) {
    const response = await api(url, 'POST', '/v1/chat/completions', { body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('provider_invalid_request');
  }
  const answered = await api(url, 'POST', '/v1/chat/completions', { body: chatBody('hello', 'gemini-2.5-flash-lite') });
  expect(answered.status).toBe(200);
});
