import { startMockProvider, type MockProviderHandle } from '../../src/mock-provider';
import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;
let primary: MockProviderHandle;
let url: string;
const ADMIN = 'sk-test-admin';
const OPEN_SECONDS = 10;

beforeAll(async () => {
  // The primary provider is its own server, so it can go down while the secondary stays up.
  primary = await startMockProvider({ port: 0, errorRates: { '503': 1 } });
  harness = await startHarness({
    api: true,
    env: { PRIMARY_KEY: 'sk-primary', SWITCHYARD_ADMIN_KEY: ADMIN },
    config: {
      providers: {
        primary: { type: 'openai', baseUrl: `${primary.url}/openai/v1`, keys: [{ alias: 'main', env: 'PRIMARY_KEY' }] },
      },
      routes: { main: { targets: ['primary:gpt-4o-mini', 'claude-haiku-4-5'] } },
      circuitBreaker: {
        consecutiveFailures: 3,
        minRequests: 5,
        failureRatio: 0.5,
        openSeconds: OPEN_SECONDS,
        probeSeconds: OPEN_SECONDS,
      },
    },
  });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
  await primary?.close();
});

async function job(text: string) {
  const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody(text, 'main') });
  return (await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=60`)).body;
}
const primaryCalls = () => primary.stats().byEndpoint['openai.chat'] ?? 0;

test('when the primary is down, jobs complete from the secondary and, once its circuit opens, stop touching it until the half-open probe', async () => {
  const first = await job('first');
  expect(first.status).toBe('completed');
  expect(first.result.providerId).toBe('anthropic');
  // Three failures open the circuit; the retry after that sees it open and stops.
  const callsToOpen = primaryCalls();
  expect(callsToOpen).toBe(3);

  const circuits = await api(url, 'GET', '/v1/admin/circuits', { key: ADMIN });
  expect(circuits.body.data).toEqual([
    expect.objectContaining({ key: 'anthropic:claude-haiku-4-5', state: 'closed' }),
    expect.objectContaining({ key: 'primary:gpt-4o-mini', state: 'open', consecutive_failures: 3 }),
  ]);

  for (let i = 0; i < 10; i++) {
    const next = await job(`while open ${i}`);
    expect(next.status).toBe('completed');
    expect(next.result.providerId).toBe('anthropic');
    expect(next.result.attempts[0]).toMatchObject({ providerId: 'primary', outcome: 'CIRCUIT_OPEN', attempts: 0 });
  }
  expect(primaryCalls()).toBe(callsToOpen);

  // After the cool-down one probe goes through; it fails, so the circuit opens again.
  await new Promise((r) => setTimeout(r, OPEN_SECONDS * 1000 + 200));
  const probed = await job('probe while still down');
  expect(probed.result.providerId).toBe('anthropic');
  expect(primaryCalls()).toBe(callsToOpen + 1);
  expect((await job('after the failed probe')).result.attempts[0].outcome).toBe('CIRCUIT_OPEN');
  expect(primaryCalls()).toBe(callsToOpen + 1);

  // The primary recovers: the next probe succeeds and closes the circuit.
  primary.setBehavior({ errorRates: {} });
  await new Promise((r) => setTimeout(r, OPEN_SECONDS * 1000 + 200));
  const recovered = await job('after recovery');
  expect(recovered.result.providerId).toBe('primary');
  const after = await api(url, 'GET', '/v1/admin/circuits', { key: ADMIN });
  expect(after.body.data).toContainEqual(expect.objectContaining({ key: 'primary:gpt-4o-mini', state: 'closed' }));
  expect((await job('closed again')).result.providerId).toBe('primary');
}, 120_000);

test('the circuits endpoint is for operators only', async () => {
  const response = await api(url, 'GET', '/v1/admin/circuits');
  expect(response.status).toBe(403);
  expect(response.body.code).toBe('admin_key_required');
});
