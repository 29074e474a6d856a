import { randomUUID } from 'node:crypto';
import { createClient } from '@redis/client';
import { createResponseCache, openSqliteDatabase, type ResponseCacheStore } from '../../src/stores';
import { storeKinds } from '../helpers/store-kinds';
import { startPeer } from '../helpers/store-peer';

interface Answer {
  text: string;
  tokens: number;
}

const stores = storeKinds('switchyard-cache-', 'cache.sqlite');
const { kinds, sqliteUrl } = stores;

describe.each(kinds)('the response cache on %s', (_kind, url) => {
  let cache: ResponseCacheStore<Answer>;
  const answer: Answer = { text: 'Hello!', tokens: 3 };
  const t0 = Date.now();

  beforeAll(async () => {
    cache = await createResponseCache<Answer>(url());
  });

  afterAll(async () => {
    await cache?.close();
  });

  test('a key that was never stored is a miss (null), not an error', async () => {
    await expect(cache.get(`absent-${randomUUID()}`)).resolves.toBeNull();
  });

  test('within its ttl an entry is a fresh hit with its value and storage time', async () => {
    const key = randomUUID();
    await cache.set(key, answer, 60, 300, t0);
    await expect(cache.get(key, t0)).resolves.toEqual({ value: answer, storedAt: t0, stale: false });
    await expect(cache.get(key, t0 + 59_999)).resolves.toEqual({ value: answer, storedAt: t0, stale: false });
  });

  test('after its ttl and within the stale window an entry is served as stale', async () => {
    const key = randomUUID();
    await cache.set(key, answer, 60, 300, t0);
    await expect(cache.get(key, t0 + 60_000)).resolves.toEqual({ value: answer, storedAt: t0, stale: true });
    await expect(cache.get(key, t0 + 359_999)).resolves.toMatchObject({ stale: true });
  });

  test('after ttl plus the stale window an entry is gone', async () => {
    const key = randomUUID();
    await cache.set(key, answer, 60, 300, t0);
    await expect(cache.get(key, t0 + 360_000)).resolves.toBeNull();
  });

  test('with no stale window an entry is gone as soon as it is no longer fresh', async () => {
    const key = randomUUID();
    await cache.set(key, answer, 60, 0, t0);
    await expect(cache.get(key, t0 + 59_999)).resolves.toMatchObject({ stale: false });
    await expect(cache.get(key, t0 + 60_000)).resolves.toBeNull();
  });

  test('a ttl of 0 stores an entry that is only ever stale', async () => {
    const key = randomUUID();
    await cache.set(key, answer, 0, 30, t0);
    await expect(cache.get(key, t0)).resolves.toEqual({ value: answer, storedAt: t0, stale: true });
    await expect(cache.get(key, t0 + 30_000)).resolves.toBeNull();
  });

  test('ttl and stale window both 0 keep nothing, and drop what the key held before', async () => {
    const key = randomUUID();
    await cache.set(key, answer, 60, 60, t0);
    await cache.set(key, { text: 'newer', tokens: 1 }, 0, 0, t0);
    await expect(cache.get(key, t0)).resolves.toBeNull();
  });

  test('the store itself expires entries ttl + stale seconds after they were written', async () => {
    const key = randomUUID();
    await cache.set(key, answer, 0, 1);
    await expect(cache.get(key)).resolves.toMatchObject({ value: answer, stale: true });
    await new Promise((r) => setTimeout(r, 1_100));
    // Asked with a `now` from before the write, only the store's own expiry can make this a miss.
    await expect(cache.get(key, 0)).resolves.toBeNull();
  });

  test('storing again replaces the entry, and delete removes it', async () => {
    const key = randomUUID();
    await cache.set(key, answer, 60, 0, t0);
    await cache.set(key, { text: 'second', tokens: 2 }, 60, 0, t0 + 1);
    await expect(cache.get(key, t0 + 1)).resolves.toMatchObject({ value: { text: 'second' }, storedAt: t0 + 1 });
    await cache.delete(key);
    await expect(cache.get(key, t0 + 1)).resolves.toBeNull();
  });

  test('negative or non-finite durations are refused', async () => {
    await expect(cache.set(randomUUID(), answer, -1, 0)).rejects.toThrow(/ttlSeconds/);
    await expect(cache.set(randomUUID(), answer, 1, Number.NaN)).rejects.toThrow(/staleSeconds/);
  });

  test('caches in different namespaces do not see each other’s entries', async () => {
    const other = await createResponseCache<Answer>(url(), { namespace: `tenant-${randomUUID()}` });
    try {
      const key = randomUUID();
      await other.set(key, answer, 60, 0, t0);
      await expect(other.get(key, t0)).resolves.toMatchObject({ value: answer });
      await expect(cache.get(key, t0)).resolves.toBeNull();
    } finally {
      await other.close();
    }
  });

  test('closing one cache leaves another cache on the same store working', async () => {
    const second = await createResponseCache<Answer>(url());
    await second.close();
    const key = randomUUID();
    await cache.set(key, answer, 60, 0, t0);
    await expect(cache.get(key, t0)).resolves.toMatchObject({ value: answer });
  });

  test('an entry written by one process is read by another', async () => {
    const key = randomUUID();
    const writer = startPeer({ op: 'cache-set', url: url(), key, value: answer, ttlSeconds: 60, staleSeconds: 0 });
    await writer.ready;
    writer.go();
    await expect(writer.result).resolves.toEqual({ stored: true });

    const reader = startPeer({ op: 'cache-get', url: url(), key });
    await reader.ready;
    reader.go();
    await expect(reader.result).resolves.toEqual({
      lookup: { value: answer, storedAt: expect.any(Number), stale: false },
    });
    await expect(cache.get(key)).resolves.toMatchObject({ value: answer, stale: false });
  }, 30_000);
});

describe('where the cache keeps its entries', () => {
  test('on SQLite, under the namespace in the response_cache table, with an expiry time', async () => {
    const cache = await createResponseCache<Answer>(sqliteUrl);
    const database = openSqliteDatabase(sqliteUrl.path);
    try {
      const key = randomUUID();
      const before = Date.now();
      await cache.set(key, { text: 'x', tokens: 1 }, 10, 20);
      const row = database.db
        .prepare<[string], { expires: number }>('SELECT expires FROM response_cache WHERE key = ?')
        .get(`switchyard:cache:${key}`);
      expect(row?.expires).toBeGreaterThanOrEqual(before + 30_000);
      expect(row?.expires).toBeLessThanOrEqual(Date.now() + 30_000);
    } finally {
      database.release();
      await cache.close();
    }
  });

  test('on Redis, under the namespace, with a TTL of ttl + stale seconds', async () => {
    const cache = await createResponseCache<Answer>({ kind: 'redis', url: stores.redis().url });
    const client = createClient({ url: stores.redis().url });
    await client.connect();
    try {
      const key = randomUUID();
      await cache.set(key, { text: 'x', tokens: 1 }, 10, 20);
      const ttl = await client.pTTL(`switchyard:cache::${key}`);
      expect(ttl).toBeGreaterThan(29_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
    } finally {
      await client.close();
      await cache.close();
    }
  });
});
