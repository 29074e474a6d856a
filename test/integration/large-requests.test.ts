import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ api: true, config: { api: { bodyLimit: '8mb' } } });
});
afterAll(async () => {
  await harness?.close();
});

/** Bytes of every payload a workflow's history holds. */
async function historyPayloadBytes(workflowId: string): Promise<number> {
  const history = await harness.client.workflow.getHandle(workflowId).fetchHistory();
  let bytes = 0;
  const visit = (value: unknown): void => {
    if (value instanceof Uint8Array) bytes += value.byteLength;
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(history.events);
  return bytes;
}

test('a request larger than a Temporal payload runs by reference: the provider gets all of it, history stays small', async () => {
  const url = harness.api!.url;
  // 3 MB of prompt: over Temporal's 2 MB payload limit, which gave a 500 ("Blob data size exceeds limit").
  const prompt = `Summarise this. ${'lorem ipsum dolor sit amet '.repeat(120_000)}`;
  expect(prompt.length).toBeGreaterThan(3_000_000);
  const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody(prompt, 'gpt-4o-mini', { max_tokens: 50 }) });
  expect(submitted.status).toBe(202);
  const job = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=60`);
  expect(job.body.status).toBe('completed');
  // The mock counts the prompt it received: all three megabytes reached the provider.
  expect(job.body.result.usage.inputTokens).toBeGreaterThan(700_000);
  expect(job.body.result.completion.choices[0].message.content).toContain('Summarise this.');
  expect(await historyPayloadBytes(submitted.body.id)).toBeLessThan(64 * 1024);

  const replay = await api(url, 'POST', `/v1/jobs/${submitted.body.id}/replay`);
  expect(replay.status).toBe(202);
  const replayed = await api(url, 'GET', `/v1/jobs/${replay.body.id}?wait=60`);
  expect(replayed.body.status).toBe('completed');
  expect(replayed.body.result.usage.inputTokens).toBe(job.body.result.usage.inputTokens);
}, 120_000);

test('identical large cacheable requests share one call by reference', async () => {
  const url = harness.api!.url;
  const prompt = `Translate. ${'grüße aus dem lager '.repeat(10_000)}`;
  const body = chatBody(`${prompt} [[mock:latency=800]]`, 'gpt-4o-mini', { temperature: 0, max_tokens: 20 });
  const before = harness.mock.stats().byStatus['200'] ?? 0;
  const jobs = await Promise.all([0, 1].map(() => api(url, 'POST', '/v1/jobs', { body })));
  const done = await Promise.all(jobs.map((j) => api(url, 'GET', `/v1/jobs/${j.body.id}?wait=60`)));
  expect(done.map((d) => d.body.status)).toEqual(['completed', 'completed']);
  expect((harness.mock.stats().byStatus['200'] ?? 0) - before).toBe(1);
  expect(done[0]!.body.result.usage.inputTokens).toBeGreaterThan(50_000);
}, 120_000);

test('a body over the configured limit is a 413 that names the limit', async () => {
  const response = await api(harness.api!.url, 'POST', '/v1/jobs', {
    body: chatBody('x'.repeat(9 * 1024 * 1024)),
  });
  expect(response.status).toBe(413);
  expect(response.body.code).toBe('payload_too_large');
  expect(response.body.detail).toMatch(/8mb|limit/i);
}, 60_000);
