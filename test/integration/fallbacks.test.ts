import { DEGRADED } from '../../src/contract/search-attributes';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;
let url: string;
const key = tenantKey('acme');

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    config: {
      tenants: { acme: tenant('acme', { cache: { ttlSeconds: 1, staleSeconds: 3_600 } }) },
      // These tests are about what answers after the chain failed; circuits opening on the way would change
      // which failure that was (they have tests of their own).
      circuitBreaker: { consecutiveFailures: 1_000, minRequests: 1_000 },
      routes: {
        fragile: { targets: [{ target: 'gpt-4o-mini', maxAttempts: 1 }] },
        resilient: {
          // One attempt each: retries and their backoff are the workflow tests' business (test/workflows/);
          // here the point is what answers over HTTP once the chain has failed.
          targets: [
            { target: 'gpt-4o-mini', maxAttempts: 1 },
            { target: 'claude-haiku-4-5', maxAttempts: 1 },
          ],
          fallback: {
            rules: [
              { pattern: '\\border status\\b', answer: 'Order status is available at /orders. You asked: {{input}}' },
            ],
            message: 'Our assistant is busy right now; please try again in a minute.',
            onExhausted: 'degrade',
          },
        },
      },
    },
  });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
});

const allDown = () => harness.mock.setBehavior({ errorRates: { '503': 1 } });
const allUp = () => harness.mock.setBehavior({ errorRates: {} });

async function runJob(text: string, model: string, extra: Record<string, unknown> = {}) {
  const submitted = await api(url, 'POST', '/v1/jobs', { key, body: chatBody(text, model, extra) });
  expect(submitted.status).toBe(202);
  return api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=60`, { key });
}

describe('when every provider of the chain is down', () => {
  afterEach(allUp);

  test('a stale cache entry answers, marked degraded', async () => {
    const fresh = await runJob('What is our refund policy?', 'resilient', { temperature: 0 });
    expect(fresh.body.result.degraded).toBe(false);
    await new Promise((r) => setTimeout(r, 1_200)); // past the 1 s TTL: the entry is now stale
    allDown();
    const degraded = await runJob('What is our refund policy?', 'resilient', { temperature: 0 });
    expect(degraded.body.status).toBe('completed');
    expect(degraded.body.result).toMatchObject({
      degraded: true,
      cacheHit: true,
      costUsd: 0,
      degradation: { reason: 'stale_cache', failureType: 'OVERLOADED' },
    });
    expect(degraded.body.result.completion).toEqual(fresh.body.result.completion);
    const description = await harness.client.workflow.getHandle(degraded.body.id).describe();
    expect(description.typedSearchAttributes.get(DEGRADED)).toBe(true);
  }, 90_000);

  test('without a stale entry, the matching rule answers', async () => {
    allDown();
    const degraded = await runJob('Where is my order status?', 'resilient');
    expect(degraded.body.result).toMatchObject({
      degraded: true,
      providerId: 'switchyard',
      degradation: { reason: 'rule', failureType: 'OVERLOADED' },
    });
    expect(degraded.body.result.completion.choices[0].message.content).toBe(
      'Order status is available at /orders. You asked: Where is my order status?',
    );
    // Both targets were tried before falling back.
    const attempts = degraded.body.result.attempts as Array<{ providerId: string; outcome: string }>;
    expect(attempts.map((a) => [a.providerId, a.outcome])).toEqual([
      ['openai', 'OVERLOADED'],
      ['anthropic', 'OVERLOADED'],
    ]);
  }, 90_000);

  test('without a rule that matches, the friendly message answers', async () => {
    allDown();
    const response = await api(url, 'POST', '/v1/chat/completions', {
      key,
      body: chatBody('Write a poem', 'resilient'),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-degraded')).toBe('message');
    expect(response.body.choices[0].message.content).toBe(
      'Our assistant is busy right now; please try again in a minute.',
    );
  }, 90_000);

  test('a route without fallbacks fails with the typed failure', async () => {
    allDown();
    const failed = await runJob('No fallback here', 'fragile');
    expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'provider_overloaded', type: 'OVERLOADED' } });
  }, 90_000);

  test("the caller's own errors are never papered over", async () => {
    const failed = await runJob('Bad request [[mock:status=400]] order status', 'resilient');
    expect(failed.body).toMatchObject({ status: 'failed', error: { type: 'INVALID_REQUEST' } });
  }, 60_000);
});
