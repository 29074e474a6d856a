import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ api: true });
});
afterAll(async () => {
  await harness?.close();
});

test.each([
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-haiku-4-5'],
  ['gemini', 'gemini-2.5-flash'],
])(
  'cancelling a job mid-call aborts the %s request: the provider sees the connection closed',
  async (_p, model) => {
    const url = harness.api!.url;
    const before = harness.mock.stats().abortedConnections;
    const hangs = () => harness.mock.stats().byStatus.hang ?? 0;
    const hangsBefore = hangs();
    const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody('Think forever [[mock:hang]]', model) });
    // Wait until the provider has the request.
    const deadline = Date.now() + 10_000;
    while (hangs() === hangsBefore) {
      if (Date.now() > deadline) throw new Error('the provider never received the request');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await api(url, 'POST', `/v1/jobs/${submitted.body.id}/cancel`)).status).toBe(202);

    const closedBy = Date.now() + 15_000;
    while (harness.mock.stats().abortedConnections <= before) {
      if (Date.now() > closedBy) throw new Error('the provider request was not aborted');
      await new Promise((r) => setTimeout(r, 100));
    }
    const job = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=10`);
    expect(job.body.status).toBe('cancelled');
    // Cancelled means cancelled: the call is not retried after the abort.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(hangs()).toBe(hangsBefore + 1);
  },
  60_000,
);
