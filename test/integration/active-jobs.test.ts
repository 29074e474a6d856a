import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';

const OPERATOR_KEY = 'sk-admin-active-jobs-test';
const MAX_ACTIVE = 2;
/** Longer than the active hold before any job has been measured (1 s) plus a few starts. */
const SLOW_CALL_MS = 4_000;

let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    mock: { latencyMs: 300 },
    env: { SWITCHYARD_ADMIN_KEY: OPERATOR_KEY },
    config: {
      api: { admission: { maxActiveJobs: MAX_ACTIVE, maxQueueWaitMs: 8_000 } },
      tenants: { open: tenant('open') },
    },
  });
  url = harness.api!.url;
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

/** The active gate's slots in use and requests waiting, and the synchronous jobs in flight, from `/metrics`. */
async function gates(): Promise<{ active: number; activeQueued: number; sync: number }> {
  const text = (await api(url, 'GET', '/metrics', { key: OPERATOR_KEY })).body as string;
  const value = (name: string, gate: string) =>
    Number(
      text
        .split('\n')
        .find((line) => line.startsWith(`${name}{gate="${gate}"`))
        ?.split(' ')
        .pop() ?? NaN,
    );
  return {
    active: value('switchyard_admission_in_flight', 'active'),
    activeQueued: value('switchyard_admission_queued', 'active'),
    sync: value('switchyard_admission_in_flight', 'sync'),
  };
}

/** Sends `count` chat completions at once and samples the gates every 100 ms until every one has answered. */
async function burst(prefix: string, count: number) {
  let done = false;
  const samples: Array<Awaited<ReturnType<typeof gates>>> = [];
  const sampling = (async () => {
    while (!done) {
      samples.push(await gates());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const responses: JsonResponse[] = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      api(url, 'POST', '/v1/chat/completions', { body: chatBody(`${prefix} ${i}`), key: tenantKey('open') }),
    ),
  );
  done = true;
  await sampling;
  return { responses, samples };
}

/** Provider calls whose prompt starts with `prefix`, by prompt. */
function callsByPrompt(prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of harness.mock.calls().calls)
    if (call.promptHead.includes(prefix)) counts.set(call.promptHead, (counts.get(call.promptHead) ?? 0) + 1);
  return counts;
}

describe('when more synchronous jobs arrive than may be active in Temporal', () => {
  test('at most maxActiveJobs run at once, the rest wait their turn, and every one is answered', async () => {
    const prefix = 'active fast';
    const { responses, samples } = await burst(prefix, 8);
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(Math.max(...samples.map((s) => s.active))).toBeLessThanOrEqual(MAX_ACTIVE);
    expect(Math.max(...samples.map((s) => s.activeQueued))).toBeGreaterThan(0);
    const calls = callsByPrompt(prefix);
    expect(calls.size).toBe(8);
    expect([...calls.values()].every((count) => count === 1)).toBe(true);
  }, 60_000);
});

describe('when synchronous jobs wait on a slow provider', () => {
  test('they stop counting as active once past the hold, so a slow provider is not held to maxActiveJobs calls', async () => {
    const prefix = 'active slow';
    const count = 6;
    const { responses, samples } = await burst(`[[mock:latency=${SLOW_CALL_MS}]] ${prefix}`, count);
    expect(responses.map((r) => r.status)).toEqual(Array(count).fill(200));
    // A moment when all six were in flight and none waited for an active slot: six provider calls at once,
    // three times the cap, while the gate itself never held more than its limit.
    expect(samples.some((s) => s.sync === count && s.activeQueued === 0)).toBe(true);
    expect(Math.max(...samples.map((s) => s.active))).toBeLessThanOrEqual(MAX_ACTIVE);
    const calls = callsByPrompt(prefix);
    expect(calls.size).toBe(count);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    // The answers came within two provider calls' time, not in three rounds of two.
    const at = harness.mock
      .calls()
      .calls.filter((call) => call.promptHead.includes(prefix))
      .map((call) => call.at);
    expect(Math.max(...at) - Math.min(...at)).toBeLessThan(SLOW_CALL_MS);
  }, 60_000);

  test('no slot is left held', async () => {
    expect(await gates()).toEqual({ active: 0, activeQueued: 0, sync: 0 });
  });
});
