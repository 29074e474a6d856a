import { startMockProvider, type MockCall, type MockProviderHandle } from '../../src/mock-provider';
import type { TenantSpend } from '../../src/stores/ledger/contract';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';
import { eventually } from '../helpers/launcher-process';

// $1,000 per million tokens: a call of a few dozen tokens costs a few cents, well above rounding.
const PRICE = { inputUsdPerMTok: 1000, outputUsdPerMTok: 1000 };

let harness: Harness;
let queued: MockProviderHandle;
let url: string;

beforeAll(async () => {
  // The queued provider is its own mock: its calls run as activities on the provider's task queue, while the
  // harness mock's run as local activities in the job's worker. Both cancel the call the same way.
  queued = await startMockProvider({ port: 0 });
  harness = await startHarness({
    api: true,
    env: { QUEUED_KEY: 'sk-queued' },
    config: {
      providers: {
        queued: {
          type: 'openai',
          baseUrl: `${queued.url}/openai/v1`,
          keys: [{ alias: 'main', env: 'QUEUED_KEY' }],
          calls: 'queue',
        },
      },
      models: {
        'local-priced': { provider: 'openai', model: 'gpt-4o-mini', ...PRICE },
        'queued-priced': { provider: 'queued', model: 'gpt-4o-mini', ...PRICE },
      },
      tenants: {
        local: tenant('local', { budget: { dailyUsd: 100 } }),
        queue: tenant('queue', { budget: { dailyUsd: 100 } }),
      },
    },
  });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
  await queued?.close();
});

async function finalView(tenantId: string, jobId: string): Promise<JsonResponse> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const view = await api(url, 'GET', `/v1/jobs/${jobId}?wait=10`, { key: tenantKey(tenantId) });
    expect(view.status).toBe(200);
    if (view.body.status !== 'running') return view;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not end: ${JSON.stringify(view.body)}`);
  }
}

test.each([
  ['local', 'local-priced', () => harness.mock],
  ['queue', 'queued-priced', () => queued],
])(
  'a job cancelled while its answer is on the way (%s call) is charged for that answer, exactly once',
  async (tenantId, model, mockOf) => {
    const mock = mockOf();
    const prompt = `Answer slowly, ${tenantId}`;
    const answered = (): MockCall[] => mock.calls().calls.filter((call) => call.promptHead.startsWith(prompt));
    const submitted = await api(url, 'POST', '/v1/jobs', {
      key: tenantKey(tenantId),
      // The provider has generated (and billed) the answer when it sends the headers; the body takes 4 s.
      body: chatBody(`${prompt} [[mock:body-delay=4000]]`, model),
    });
    expect(submitted.status).toBe(202);
    await eventually('the provider to answer', () => answered().length === 1, 15_000);
    const cancelled = await api(url, 'POST', `/v1/jobs/${submitted.body.id}/cancel`, { key: tenantKey(tenantId) });
    expect(cancelled.status).toBe(202);

    const view = await finalView(tenantId, submitted.body.id as string);
    const [call] = answered();
    expect(answered()).toHaveLength(1);
    const costUsd = ((call!.promptTokens + call!.completionTokens) * 1000) / 1_000_000;
    const spend = await api(url, 'GET', '/v1/spend', { key: tenantKey(tenantId) });
    const daily = (spend.body as TenantSpend).daily;
    expect({ committedUsd: daily.committedUsd, reservedUsd: daily.reservedUsd }).toEqual({
      committedUsd: expect.closeTo(costUsd, 9) as number,
      reservedUsd: 0,
    });
    // The answer came before the cancellation took effect: the job either ends cancelled (charged all the same)
    // or completes with that answer, reporting what it was charged.
    expect(['cancelled', 'completed']).toContain(view.body.status);
    if (view.body.status === 'completed') {
      expect(view.body.result.completion.choices[0].message.content).toContain(prompt);
      expect(view.body.result.costUsd).toBeCloseTo(costUsd, 9);
    }
    // The answer was kept, not asked for again.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(answered()).toHaveLength(1);
  },
  60_000,
);
