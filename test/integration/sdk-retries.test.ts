import OpenAI from 'openai';
import { chatBody, startHarness, TEST_API_KEY, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ api: true, config: { api: { syncTimeoutSeconds: 1 } } });
});
afterAll(async () => {
  await harness?.close();
});

test('a synchronous job that outlives its wait is a 504 that tells SDKs not to retry (the job goes on and is charged)', async () => {
  const response = await api(harness.api!.url, 'POST', '/v1/chat/completions', {
    body: chatBody('slow answer [[mock:latency=2500]]'),
  });
  expect(response.status).toBe(504);
  expect(response.body.error.code).toBe('job_timeout');
  expect(response.headers.get('x-should-retry')).toBe('false');
  const job = await api(harness.api!.url, 'GET', `/v1/jobs/${response.body.error.job_id}?wait=10`);
  expect(job.body.status).toBe('completed');
}, 60_000);

test('the official openai SDK, retries on, makes one job and one provider call for a request that timed out', async () => {
  const before = harness.mock.stats().byEndpoint['openai.chat'] ?? 0;
  const openai = new OpenAI({ baseURL: `${harness.api!.url}/v1`, apiKey: TEST_API_KEY, maxRetries: 2 });
  await expect(
    openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'slow again [[mock:latency=2500]]' }],
    }),
  ).rejects.toMatchObject({ status: 504 });
  await new Promise((r) => setTimeout(r, 3_000));
  // Before, the SDK retried the 504 twice: three jobs, three paid calls for one request.
  expect((harness.mock.stats().byEndpoint['openai.chat'] ?? 0) - before).toBe(1);
}, 60_000);

test('every synchronous job that outlives its wait answers 504, however the long poll for its result ends', async () => {
  // The server ends a result long poll at the caller's deadline now and then with CANCELLED rather than
  // DEADLINE_EXCEEDED; either way the answer is the 504 that tells SDKs not to retry.
  const responses = await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      api(harness.api!.url, 'POST', '/v1/chat/completions', {
        body: chatBody(`slow ${i} [[mock:latency=1500]]`),
      }),
    ),
  );
  expect(responses.map((r) => `${r.status} ${r.body.error?.code as string}`)).toEqual(
    responses.map(() => '504 job_timeout'),
  );
}, 60_000);
