import { planJob } from '../../src/api/job-plan';
import { startMockProvider, type MockProviderHandle } from '../../src/mock-provider';
import type { PeriodSpend, TenantSpend } from '../../src/stores/ledger/contract';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';

// What a capped tenant's job may cost: never more than its reservation, and never nothing for a model
// without a price.

/** A compatible server's models have no price of their own; the config gives them a worst-case one. */
const WORST_CASE = { inputUsdPerMTok: 2_000, outputUsdPerMTok: 4_000 };
const DEFAULT_MAX_TOKENS = 200;

let compat: MockProviderHandle;
let harness: Harness;
let url: string;

beforeAll(async () => {
  // A second mock plays the compatible server; its URL must be known before the config file is written.
  compat = await startMockProvider({ port: 0 });
  harness = await startHarness({
    api: true,
    config: {
      providers: {
        compat: {
          type: 'openai-compatible',
          baseUrl: `${compat.url}/openai/v1`,
          keys: [{ alias: 'main', env: 'OPENAI_API_KEY' }],
          unpricedModelPrice: WORST_CASE,
        },
      },
      // $1,000 per million tokens, i.e. $0.001 a token.
      models: { pricey: { provider: 'openai', model: 'gpt-4o-mini', inputUsdPerMTok: 1000, outputUsdPerMTok: 1000 } },
      budgets: { defaultMaxTokens: DEFAULT_MAX_TOKENS },
      tenants: {
        capped: tenant('capped', { budget: { dailyUsd: 10 } }),
        priced: tenant('priced', { budget: { dailyUsd: 10 } }),
        refused: tenant('refused', { budget: { monthlyUsd: 10 } }),
        open: tenant('open'),
      },
    },
  });
  url = harness.api!.url;
}, 90_000);

afterAll(async () => {
  await harness?.close();
  await compat?.close();
});

async function spendOf(id: string): Promise<PeriodSpend> {
  const response = await api(url, 'GET', '/v1/spend', { key: tenantKey(id) });
  expect(response.status).toBe(200);
  return (response.body as TenantSpend).daily;
}

async function runJob(id: string, body: unknown): Promise<JsonResponse> {
  const submitted = await api(url, 'POST', '/v1/jobs', { body, key: tenantKey(id) });
  expect(submitted.status).toBe(202);
  const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key: tenantKey(id) });
  expect(done.status).toBe(200);
  return done;
}

test('when a capped job without max_tokens meets a provider that would answer 50,000 tokens, it is charged no more than its reservation', async () => {
  const body = chatBody('Tell me everything you know [[mock:output-tokens=50000]]', 'pricey', { temperature: 0.5 });
  const reservedUsd = planJob(harness.config, 'capped', body).budget.estimateUsd;
  // (input bytes + 4) + 200 output tokens at $0.001: a few tenths of a dollar, far below the $10 cap.
  expect(reservedUsd).toBeLessThan(0.3);

  const done = await runJob('capped', body);
  expect(done.body.status).toBe('completed');
  const { result } = done.body;
  // The provider was sent the default limit and stopped there, as real providers do.
  expect(result.usage.outputTokens).toBe(DEFAULT_MAX_TOKENS);
  expect(result.completion.choices[0].finish_reason).toBe('length');
  expect(result.costUsd).toBeGreaterThan(0);
  expect(result.costUsd).toBeLessThanOrEqual(reservedUsd);

  const spend = await spendOf('capped');
  expect(spend.reservedUsd).toBe(0);
  expect(spend.committedUsd).toBeCloseTo(result.costUsd, 9);
  expect(spend.committedUsd).toBeLessThanOrEqual(reservedUsd);
}, 60_000);

test('when a capped tenant asks for an unpriced provider:model, it gets a 400 unpriced_model naming the model and the fix', async () => {
  const body = chatBody('Hello', 'openai:some-model');
  const rest = await api(url, 'POST', '/v1/jobs', { body, key: tenantKey('refused') });
  expect(rest.status).toBe(400);
  expect(rest.body).toMatchObject({ code: 'unpriced_model' });
  expect(rest.body.detail).toContain('openai:some-model');
  expect(rest.body.detail).toContain('unpricedModelPrice');

  const openai = await api(url, 'POST', '/v1/chat/completions', { body, key: tenantKey('refused') });
  expect(openai.status).toBe(400);
  expect(openai.body.error).toMatchObject({ code: 'unpriced_model', param: 'model' });
  expect(openai.body.error.message).toContain('openai:some-model');
  expect(await spendOf('refused')).toMatchObject({ reservedUsd: 0, committedUsd: 0 });
});

test('when the tenant has no cap, an unpriced model runs as before and its cost is unknown', async () => {
  const done = await runJob('open', chatBody('Hello', 'openai:some-model', { max_tokens: 10 }));
  expect(done.body.status).toBe('completed');
  expect(done.body.result.costUsd).toBeNull();
}, 60_000);

test('with a worst-case price configured, a capped job on an unpriced model is reserved and charged at that price', async () => {
  const body = chatBody('hi', 'compat:some-model', { temperature: 0.5, max_tokens: 10 });
  const plan = planJob(harness.config, 'priced', body);
  expect(plan.targets[0]?.price).toEqual(WORST_CASE);
  // (2 bytes + 4) input and 10 output tokens at the worst-case price.
  expect(plan.budget.estimateUsd).toBeCloseTo((6 * 2_000 + 10 * 4_000) / 1e6, 12);

  const callsBefore = compat.stats().byEndpoint['openai.chat'] ?? 0;
  const done = await runJob('priced', body);
  expect(done.body.status).toBe('completed');
  const { usage, costUsd } = done.body.result;
  expect(costUsd).toBeCloseTo((usage.inputTokens * 2_000 + usage.outputTokens * 4_000) / 1e6, 12);
  expect(costUsd).toBeGreaterThan(0);
  expect((compat.stats().byEndpoint['openai.chat'] ?? 0) - callsBefore).toBe(1);
  const spend = await spendOf('priced');
  expect(spend).toMatchObject({ reservedUsd: 0 });
  expect(spend.committedUsd).toBeCloseTo(costUsd, 12);
}, 60_000);
