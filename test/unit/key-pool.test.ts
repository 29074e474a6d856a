import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import {
  KeyPool,
  KeyPoolBusyError,
  KeyPools,
  type KeyPoolLogger,
  type KeyPoolOptions,
} from '../../activities/key-pool';
import { keyFailure, keyPoolBusyFailure, SWITCH_KEY_DELAY_MS } from '../../activities/key-pool-failures';
import { ProviderClients } from '../../activities/provider-clients';
import { ProviderError } from '../../activities/providers/provider-error';
import { providerKeySchema, providerSchema } from '../../src/config/schema';
import { seededRandom } from '../../src/mock-provider/prng';
import { createKeyStateStore } from '../../src/stores/key-state/open';
import type { KeyStateStore } from '../../src/stores/key-state/contract';
import { FailureType, KEY_POOL_BUSY } from '../../src/contract/failure-types';

let store: KeyStateStore;
let provider: string;
const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello' }] };
const silent: KeyPoolLogger = { warn: () => undefined };

beforeAll(async () => {
  store = await createKeyStateStore({ kind: 'sqlite', path: ':memory:' });
});

afterAll(async () => {
  await store?.close();
});

beforeEach(() => {
  provider = `p-${randomUUID()}`;
});

function poolOf(keys: Array<Record<string, unknown>>, options: Partial<KeyPoolOptions> = {}): KeyPool {
  const parsed = keys.map((key) => providerKeySchema.parse({ env: `KEY_${String(key.alias).toUpperCase()}`, ...key }));
  return new KeyPool(provider, parsed, { store, logger: silent, random: seededRandom(7), ...options });
}

async function aliasCounts(pool: KeyPool, draws: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < draws; i++) {
    const { alias } = await pool.acquire(request);
    counts[alias] = (counts[alias] ?? 0) + 1;
  }
  return counts;
}

async function busyWait(pool: KeyPool): Promise<number> {
  const err: unknown = await pool.acquire(request).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeyPoolBusyError);
  return (err as KeyPoolBusyError).retryAfterMs;
}

describe('a provider key pool', () => {
  test('spreads calls over its keys by weight', async () => {
    const counts = await aliasCounts(poolOf([{ alias: 'a' }, { alias: 'b' }, { alias: 'c', weight: 2 }]), 4_000);
    expect(counts.a! / 4_000).toBeCloseTo(0.25, 1);
    expect(counts.b! / 4_000).toBeCloseTo(0.25, 1);
    expect(counts.c! / 4_000).toBeCloseTo(0.5, 1);
  });

  test('skips keys that are cooling down or out of quota', async () => {
    const now = Date.now();
    await store.coolDown(provider, 'b', now + 60_000, now);
    await store.markOut(provider, 'c', now + 3_600_000);
    expect(await aliasCounts(poolOf([{ alias: 'a' }, { alias: 'b' }, { alias: 'c' }]), 50)).toEqual({ a: 50 });
  });

  test('gives a key rate limited a moment ago a small share, then its full share again', async () => {
    const now = Date.now();
    // The cooldown is over, but the 429 was just now.
    await store.coolDown(provider, 'a', now - 1, now);
    const pool = poolOf([{ alias: 'a' }, { alias: 'b' }], { now: () => now });
    const counts = await aliasCounts(pool, 2_000);
    expect((counts.a ?? 0) / 2_000).toBeLessThan(0.15);
    const later = poolOf([{ alias: 'a' }, { alias: 'b' }], { now: () => now + 60_000 });
    expect((await aliasCounts(later, 2_000)).a! / 2_000).toBeCloseTo(0.5, 1);
  });

  test("counts each key's requests per minute and moves on to the keys with room left", async () => {
    const pool = poolOf([
      { alias: 'a', requestsPerMinute: 2 },
      { alias: 'b', requestsPerMinute: 1 },
    ]);
    expect(await aliasCounts(pool, 3)).toEqual({ a: 2, b: 1 });
    const wait = await busyWait(pool);
    expect(wait).toBeGreaterThan(55_000);
    expect(wait).toBeLessThanOrEqual(61_000);
  });

  test('when every key is busy, the wait is the time until the soonest one frees up', async () => {
    const now = Date.now();
    await store.coolDown(provider, 'a', now + 5_000, now);
    await store.coolDown(provider, 'b', now + 3_000, now);
    await store.markOut(provider, 'c', now + 3_600_000);
    const keys = [{ alias: 'a' }, { alias: 'b' }, { alias: 'c' }];
    expect(await busyWait(poolOf(keys, { now: () => now, random: () => 0 }))).toBe(3_000);
    // Waiting jobs are spread a little, so they do not all come back in the same millisecond.
    const jittered = await busyWait(poolOf(keys, { now: () => now, random: () => 0.999 }));
    expect(jittered).toBeGreaterThan(3_000);
    expect(jittered).toBeLessThanOrEqual(3_300);
  });

  test('when every key is out of quota, the call fails for good with QUOTA_EXHAUSTED', async () => {
    const now = Date.now();
    await store.markOut(provider, 'a', now + 60_000);
    await store.markOut(provider, 'b', now + 120_000);
    const err: unknown = await poolOf([{ alias: 'a' }, { alias: 'b' }])
      .acquire(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).type).toBe(FailureType.QuotaExhausted);
    expect((err as ProviderError).message).toMatch(/Every key of provider .* is out of quota/);
  });

  test("a 429 cools the key down for the provider's Retry-After, and the outlook names what the retry finds", async () => {
    const now = Date.now();
    const pool = poolOf([{ alias: 'a' }, { alias: 'b' }], { now: () => now });
    await expect(pool.rateLimited({ alias: 'a', tokens: null }, 2_000)).resolves.toEqual({ next: 'now' });
    expect((await store.statuses(provider)).get('a')).toEqual({
      cooldownUntil: now + 2_000,
      outUntil: 0,
      lastRateLimitedAt: now,
    });
    // Without a Retry-After the key cools down for the default; the soonest key is then a, in 2 s.
    await expect(pool.rateLimited({ alias: 'b', tokens: null }, undefined)).resolves.toEqual({
      next: 'later',
      inMs: 2_000,
    });
    expect((await store.statuses(provider)).get('b')?.cooldownUntil).toBe(now + 5_000);
  });

  test('an exhausted quota leaves the key out until the next UTC day, or for its configured time', async () => {
    const now = Date.UTC(2026, 10, 26, 15, 0, 0);
    const pool = poolOf([{ alias: 'a' }, { alias: 'b', quotaCooldownSeconds: 600 }, { alias: 'c' }], {
      now: () => now,
    });
    await expect(pool.quotaExhausted({ alias: 'a', tokens: null })).resolves.toEqual({ next: 'now' });
    await expect(pool.quotaExhausted({ alias: 'b', tokens: null })).resolves.toEqual({ next: 'now' });
    const statuses = await store.statuses(provider);
    expect(statuses.get('a')?.outUntil).toBe(Date.UTC(2026, 10, 27));
    expect(statuses.get('b')?.outUntil).toBe(now + 600_000);
    // c is cooling: the retry waits for it rather than failing.
    await store.coolDown(provider, 'c', now + 4_000, now);
    await expect(pool.quotaExhausted({ alias: 'a', tokens: null })).resolves.toEqual({ next: 'later', inMs: 4_000 });
    await store.markOut(provider, 'c', now + 1_000_000);
    await expect(pool.quotaExhausted({ alias: 'a', tokens: null })).resolves.toEqual({ next: 'none' });
  });

  test('a key at its own limit does not count as free for the retry', async () => {
    const now = Date.now();
    const pool = poolOf([{ alias: 'a' }, { alias: 'b', requestsPerMinute: 1 }], { now: () => now });
    await store.take(provider, { alias: 'b', requestsPerMinute: 1 }, 1);
    const outlook = await pool.rateLimited({ alias: 'a', tokens: null }, 1_000);
    expect(outlook).toEqual({ next: 'later', inMs: 1_000 });
  });

  test('without its store, the pool still chooses keys by weight and warns once', async () => {
    const failing = new Proxy({} as KeyStateStore, {
      get: () => () => Promise.reject(new Error('connection refused')),
    });
    const warnings: string[] = [];
    const pool = poolOf([{ alias: 'a' }, { alias: 'b' }], {
      store: failing,
      logger: { warn: (_details, message) => warnings.push(message) },
    });
    const counts = await aliasCounts(pool, 20);
    expect((counts.a ?? 0) + (counts.b ?? 0)).toBe(20);
    await expect(pool.rateLimited({ alias: 'a', tokens: null }, 1_000)).resolves.toEqual({ next: 'now' });
    expect(warnings).toEqual(['key state store unavailable; choosing keys without it']);
  });
});

describe('the pools of a worker', () => {
  const providers = {
    openai: providerSchema.parse({
      type: 'openai',
      keys: [
        { alias: 'a', env: 'KEY_A' },
        { alias: 'b', env: 'KEY_B' },
      ],
    }),
  };

  test('leave out keys whose variable is unset on this worker, and say so', async () => {
    const warnings: unknown[] = [];
    const pools = new KeyPools(new ProviderClients(providers, { KEY_A: 'sk-a' }), {
      store,
      logger: { warn: (details) => warnings.push(details) },
    });
    expect(await aliasCounts(pools.pool('openai'), 10)).toEqual({ a: 10 });
    expect(pools.pool('openai')).toBe(pools.pool('openai'));
    expect(warnings).toEqual([{ provider: 'openai', keyAliases: ['b'] }]);
  });

  test('fail with NOT_CONFIGURED for an unknown provider or one without any key set', () => {
    const pools = new KeyPools(new ProviderClients(providers, {}), { store, logger: silent });
    expect(() => pools.pool('openai')).toThrow(/No key of provider "openai" is set on this worker/);
    expect(() => pools.pool('ghost')).toThrow(ProviderError);
  });
});

describe('the failures a key pool raises', () => {
  const rateLimited = new ProviderError(FailureType.RateLimited, 'Too many requests', {
    status: 429,
    retryAfterMs: 900,
  });
  const quota = new ProviderError(FailureType.QuotaExhausted, 'insufficient_quota', { status: 429 });

  test('another key free now: retried almost at once, so the retry uses it', () => {
    const failure = keyFailure(rateLimited, 1, 'a', { next: 'now' });
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: FailureType.RateLimited,
      nonRetryable: false,
      nextRetryDelay: SWITCH_KEY_DELAY_MS,
    });
    expect(failure.details).toEqual([{ attempt: 1, status: 429, providerCode: undefined, keyAlias: 'a' }]);
    expect(keyFailure(quota, 2, 'a', { next: 'now' })).toMatchObject({
      type: FailureType.QuotaExhausted,
      nonRetryable: false,
    });
  });

  test('the soonest key later: retried when it frees up', () => {
    expect(keyFailure(rateLimited, 1, 'a', { next: 'later', inMs: 4_000 })).toMatchObject({
      nonRetryable: false,
      nextRetryDelay: 4_000,
    });
  });

  test('every key out of quota: final', () => {
    expect(keyFailure(quota, 1, 'a', { next: 'none' })).toMatchObject({
      type: FailureType.QuotaExhausted,
      nonRetryable: true,
    });
  });

  test('a busy pool: KEY_POOL_BUSY, not retried by the activity, with the wait for the workflow', () => {
    const failure = keyPoolBusyFailure(new KeyPoolBusyError('openai', 2_500), 3);
    expect(failure).toMatchObject({ type: KEY_POOL_BUSY, nonRetryable: true });
    expect(failure.details).toEqual([{ attempt: 3, retryAfterMs: 2_500 }]);
  });
});
