import { randomUUID } from 'node:crypto';
import { createClient } from '@redis/client';
import Database from 'better-sqlite3';
import type { RateCounterStore } from '../../src/stores/counters/contract';
import { createRateCounterStore } from '../../src/stores/counters/open';
import { storeKinds } from '../helpers/store-kinds';

const stores = storeKinds('switchyard-counters-', 'counters.sqlite');
const { kinds } = stores;

describe.each(kinds)('the rate counters on %s', (_kind, url) => {
  let counters: RateCounterStore;
  let prefix: string;

  beforeAll(async () => {
    counters = await createRateCounterStore(url());
  });

  afterAll(async () => {
    await counters?.close();
  });

  beforeEach(() => {
    prefix = `test:rl:${randomUUID()}`;
  });

  test('takes are counted up to the limit, then refused until the window ends', async () => {
    const counter = counters.counter(prefix, 3, 60);
    expect(counter.limit).toBe(3);
    for (let i = 0; i < 3; i++) await expect(counter.take('tenant', 1)).resolves.toEqual({ ok: true });
    const refused = await counter.take('tenant', 1);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.retryInMs).toBeGreaterThan(0);
      expect(refused.retryInMs).toBeLessThanOrEqual(60_000);
    }
  });

  test('a take of several points counts them all, and one that would pass the limit is refused', async () => {
    const counter = counters.counter(prefix, 100, 60);
    await expect(counter.take('tenant', 60)).resolves.toEqual({ ok: true });
    await expect(counter.take('tenant', 50)).resolves.toMatchObject({ ok: false });
  });

  test('keys and prefixes are counted apart', async () => {
    const first = counters.counter(prefix, 1, 60);
    const other = counters.counter(`${prefix}:other`, 1, 60);
    await expect(first.take('a', 1)).resolves.toEqual({ ok: true });
    await expect(first.take('b', 1)).resolves.toEqual({ ok: true });
    await expect(other.take('a', 1)).resolves.toEqual({ ok: true });
    await expect(first.take('a', 1)).resolves.toMatchObject({ ok: false });
  });

  test('two stores opened on the same URL count together', async () => {
    const second = await createRateCounterStore(url());
    try {
      await expect(counters.counter(prefix, 2, 60).take('tenant', 1)).resolves.toEqual({ ok: true });
      await expect(second.counter(prefix, 2, 60).take('tenant', 1)).resolves.toEqual({ ok: true });
      await expect(counters.counter(prefix, 2, 60).take('tenant', 1)).resolves.toMatchObject({ ok: false });
    } finally {
      await second.close();
    }
  });

  test('ping answers while the store is reachable', async () => {
    await expect(counters.ping()).resolves.toBeUndefined();
  });
});

describe('where the rate counters keep their counts', () => {
  test('on SQLite, in the switchyard_rate_limits table under the counter prefix and key', async () => {
    const counters = await createRateCounterStore(stores.sqliteUrl);
    try {
      await counters.counter('switchyard:rl:requests:acme', 5, 60).take('acme', 2);
      const db = new Database(stores.sqliteUrl.path, { readonly: true });
      try {
        const row = db
          .prepare<[string], { points: number }>('SELECT points FROM switchyard_rate_limits WHERE key = ?')
          .get('switchyard:rl:requests:acme:acme');
        expect(row?.points).toBe(2);
      } finally {
        db.close();
      }
    } finally {
      await counters.close();
    }
  });

  test('on Redis, under the counter prefix and key, expiring with the window', async () => {
    const counters = await createRateCounterStore({ kind: 'redis', url: stores.redis().url });
    const client = createClient({ url: stores.redis().url });
    await client.connect();
    try {
      await counters.counter('switchyard:rl:tokens:acme', 500, 60).take('acme', 120);
      await expect(client.get('switchyard:rl:tokens:acme:acme')).resolves.toBe('120');
      const ttl = await client.pTTL('switchyard:rl:tokens:acme:acme');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await client.close();
      await counters.close();
    }
  });
});
