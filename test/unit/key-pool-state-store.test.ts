import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createKeyStateStore } from '../../src/stores/key-state/open';
import type { KeyStateStore } from '../../src/stores/key-state/contract';
import type { StoreUrl } from '../../src/contract/store-url';
import { storeKinds } from '../helpers/store-kinds';

const run = promisify(execFile);
const REPO = resolve(__dirname, '../..');

const stores = storeKinds('switchyard-key-state-', 'counters.sqlite');
const { kinds } = stores;

/** Records a cooldown from another process, as a second worker would. */
async function coolDownFromAnotherProcess(url: StoreUrl, providerId: string, alias: string, until: number) {
  const script = `
    const { createKeyStateStore } = require('./src/stores/key-state/open.ts');
    (async () => {
      const store = await createKeyStateStore(${JSON.stringify(url)});
      await store.coolDown(${JSON.stringify(providerId)}, ${JSON.stringify(alias)}, ${until}, ${until - 1_000});
      await store.close();
    })().catch((err) => { console.error(err); process.exitCode = 1; });`;
  await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO, timeout: 30_000 });
}

describe.each(kinds)('the key state on %s', (_kind, url) => {
  let store: KeyStateStore;
  let provider: string;
  const NOW = Date.now();

  beforeAll(async () => {
    store = await createKeyStateStore(url());
  });

  afterAll(async () => {
    await store?.close();
  });

  beforeEach(() => {
    provider = `p-${randomUUID()}`;
  });

  test('a provider nothing was recorded for has no key state', async () => {
    expect(await store.statuses(provider)).toEqual(new Map());
  });

  test('a cooldown keeps the later of two times and records when the key was rate limited', async () => {
    await store.coolDown(provider, 'a', NOW + 5_000, NOW);
    await store.coolDown(provider, 'a', NOW + 2_000, NOW + 100);
    await store.coolDown(provider, 'b', NOW + 1_000, NOW);
    const statuses = await store.statuses(provider);
    expect(statuses.get('a')).toEqual({ cooldownUntil: NOW + 5_000, outUntil: 0, lastRateLimitedAt: NOW + 100 });
    expect(statuses.get('b')).toEqual({ cooldownUntil: NOW + 1_000, outUntil: 0, lastRateLimitedAt: NOW });
    expect((await store.statuses(`${provider}-other`)).size).toBe(0);
  });

  test('a key marked out stays out until the later time, and restoring it forgets cooldown and out', async () => {
    await store.markOut(provider, 'a', NOW + 60_000);
    await store.markOut(provider, 'a', NOW + 30_000);
    await store.coolDown(provider, 'a', NOW + 5_000, NOW);
    expect((await store.statuses(provider)).get('a')).toMatchObject({
      outUntil: NOW + 60_000,
      cooldownUntil: NOW + 5_000,
    });
    await store.restore(provider, 'a');
    expect((await store.statuses(provider)).get('a')).toMatchObject({ outUntil: 0, cooldownUntil: 0 });
  });

  test('a cooldown recorded by another process is seen here', async () => {
    await coolDownFromAnotherProcess(url(), provider, 'shared', NOW + 7_000);
    expect((await store.statuses(provider)).get('shared')).toEqual({
      cooldownUntil: NOW + 7_000,
      outUntil: 0,
      lastRateLimitedAt: NOW + 6_000,
    });
  });

  test('requests per minute are counted up to the limit, then refused until the window ends', async () => {
    const key = { alias: 'a', requestsPerMinute: 3 };
    for (let i = 0; i < 3; i++)
      await expect(store.take(provider, key, 10)).resolves.toEqual({ ok: true, tokens: null });
    const refused = await store.take(provider, key, 10);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.retryInMs).toBeGreaterThan(55_000);
    expect(!refused.ok && refused.retryInMs).toBeLessThanOrEqual(60_000);
    // Another key of the same provider has its own window.
    await expect(store.take(provider, { alias: 'b', requestsPerMinute: 3 }, 10)).resolves.toMatchObject({ ok: true });
  });

  test('a call refused for its tokens counts nothing, so a smaller call still fits', async () => {
    const key = { alias: 'a', requestsPerMinute: 2, tokensPerMinute: 100 };
    const first = await store.take(provider, key, 80);
    expect(first).toMatchObject({ ok: true, tokens: { charged: 80 } });
    expect(first.ok && first.tokens!.windowEndsAt).toBeGreaterThan(Date.now() + 55_000);
    expect((await store.take(provider, key, 50)).ok).toBe(false);
    expect(await store.freeInMs(provider, key, 10)).toBe(0);
    await expect(store.take(provider, key, 10)).resolves.toMatchObject({ ok: true, tokens: { charged: 10 } });
    // Both requests of the minute are used now, whatever the tokens.
    expect((await store.take(provider, key, 1)).ok).toBe(false);
  });

  test('a call larger than the whole token budget is charged the budget, not refused forever', async () => {
    const key = { alias: 'a', tokensPerMinute: 100 };
    await expect(store.take(provider, key, 5_000)).resolves.toMatchObject({ ok: true, tokens: { charged: 100 } });
  });

  test('freeInMs says how long until a call fits, without counting one', async () => {
    const key = { alias: 'a', requestsPerMinute: 1 };
    expect(await store.freeInMs(provider, key, 1)).toBe(0);
    expect(await store.freeInMs(provider, key, 1)).toBe(0);
    await store.take(provider, key, 1);
    const wait = await store.freeInMs(provider, key, 1);
    expect(wait).toBeGreaterThan(55_000);
    expect(wait).toBeLessThanOrEqual(60_000);
  });

  test('settling a call gives back unused tokens and charges tokens used beyond the estimate', async () => {
    const key = { alias: 'a', tokensPerMinute: 100 };
    const first = await store.take(provider, key, 90);
    if (!first.ok || !first.tokens) throw new Error('expected a token charge');
    await store.settleTokens(provider, key, first.tokens, 20);
    // 20 used: 80 left.
    expect(await store.freeInMs(provider, key, 80)).toBe(0);
    const second = await store.take(provider, key, 30);
    if (!second.ok || !second.tokens) throw new Error('expected a token charge');
    await store.settleTokens(provider, key, second.tokens, 75);
    // 20 + 75 used: 5 left.
    expect(await store.freeInMs(provider, key, 5)).toBe(0);
    expect(await store.freeInMs(provider, key, 6)).toBeGreaterThan(0);
  });
});
