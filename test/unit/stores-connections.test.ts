import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyv } from 'keyv';
import { connectRedis, KeyvSqliteStore, openSqliteDatabase, type StoreLogger } from '../../src/stores';
import { freePort } from '../helpers/free-port';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

function recordingLogger(): StoreLogger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (_details, message) => messages.push(message) };
}

describe('shared Redis connections', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  test('users of one URL share a client that stays connected until the last of them releases it', async () => {
    const first = await connectRedis(redis.url);
    const second = await connectRedis(redis.url);
    expect(second.client).toBe(first.client);

    await first.release();
    await first.release(); // a second release of the same share must not take the other user's share
    await expect(second.client.ping()).resolves.toBe('PONG');

    await second.release();
    expect(second.client.isOpen).toBe(false);
    const third = await connectRedis(redis.url);
    expect(third.client).not.toBe(first.client);
    await expect(third.client.ping()).resolves.toBe('PONG');
    await third.release();
  });

  test('an unreachable server fails the connection with the address, without its password', async () => {
    const url = `redis://switchyard:hunter2@127.0.0.1:${await freePort()}`;
    const logger = recordingLogger();
    const attempt = connectRedis(url, { logger, initialAttempts: 2 });
    await expect(attempt).rejects.toThrow(/Cannot connect to Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+/);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
    expect(logger.messages).toContain('Redis connection error');
  });

  test('losing the server is logged, not thrown; commands fail at once until it is back, then work again', async () => {
    const own = await startRedisServer();
    const logger = recordingLogger();
    const shared = await connectRedis(own.url, { logger });
    let restarted: RedisServer | undefined;
    try {
      await own.stop();
      await waitFor(() => logger.messages.length > 0);
      expect(logger.messages[0]).toBe('Redis connection error');
      await expect(shared.client.ping()).rejects.toThrow();
      // The reconnect attempts all fail alike; they are not logged again and again.
      await new Promise((r) => setTimeout(r, 500));
      expect(logger.messages.length).toBeLessThanOrEqual(2);

      restarted = await startRedisServer({ port: own.port });
      await waitFor(() => shared.client.isReady);
      await expect(shared.client.ping()).resolves.toBe('PONG');
    } finally {
      await shared.release();
      await restarted?.stop();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the Keyv SQLite adapter', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-keyv-')), 'keyv.sqlite');

  test('serves Keyv get, set, has, getMany, delete and deleteMany', async () => {
    const database = openSqliteDatabase(path);
    const keyv = new Keyv<{ n: number }>({
      store: new KeyvSqliteStore(database.db),
      namespace: 'a',
      throwOnErrors: true,
    });
    try {
      await keyv.set('one', { n: 1 });
      await keyv.set('two', { n: 2 });
      await keyv.set('three', { n: 3 });
      await expect(keyv.get('one')).resolves.toEqual({ n: 1 });
      await expect(keyv.has('two')).resolves.toBe(true);
      await expect(keyv.has('four')).resolves.toBe(false);
      await expect(keyv.getMany(['three', 'four', 'one'])).resolves.toEqual([{ n: 3 }, undefined, { n: 1 }]);
      await expect(keyv.delete('one')).resolves.toBe(true);
      await expect(keyv.delete('one')).resolves.toBe(false);
      await expect(keyv.deleteMany(['two', 'three'])).resolves.toBe(true);
      await expect(keyv.getMany(['one', 'two', 'three'])).resolves.toEqual([undefined, undefined, undefined]);
    } finally {
      database.release();
    }
  });

  test('clear empties its own namespace only', async () => {
    const database = openSqliteDatabase(path);
    const store = (namespace: string) =>
      new Keyv<string>({ store: new KeyvSqliteStore(database.db, { table: 'clearing' }), namespace });
    const mine = store('mine');
    const theirs = store('mine-too');
    try {
      await mine.set('k', 'mine');
      await theirs.set('k', 'theirs');
      await mine.clear();
      await expect(mine.get('k')).resolves.toBeUndefined();
      await expect(theirs.get('k')).resolves.toBe('theirs');
    } finally {
      database.release();
    }
  });

  test('expired entries read as absent and are purged from the table on later writes', async () => {
    const database = openSqliteDatabase(path);
    const keyv = new Keyv<string>({
      store: new KeyvSqliteStore(database.db, { table: 'purging', purgeIntervalMs: 0 }),
      namespace: 'p',
    });
    const rows = () => database.db.prepare<[], { key: string }>('SELECT key FROM purging ORDER BY key').all();
    try {
      // Written last, so that no purge on a write runs after it expires and before the reads below.
      await keyv.set('long', 'y', 60_000);
      await keyv.set('short', 'x', 5);
      await new Promise((r) => setTimeout(r, 20));
      await expect(keyv.has('short')).resolves.toBe(false);
      await expect(keyv.getMany(['short', 'long'])).resolves.toEqual([undefined, 'y']);
      expect(rows()).toEqual([{ key: 'p:long' }, { key: 'p:short' }]);
      await keyv.set('other', 'z');
      expect(rows()).toEqual([{ key: 'p:long' }, { key: 'p:other' }]);
    } finally {
      database.release();
    }
  });
});
