import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import Database from 'better-sqlite3';
import type { StoreUrl } from '../../src/contract/store-url';
import { isStoreUnavailable, StoreUnavailableError } from '../../src/stores/shared/store-unavailable';
import { openSharedStores } from '../../src/stores/open-stores';
import { InvalidStreamIdError, type StreamEntry, type StreamStore } from '../../src/stores/streams/contract';
import { createStreamStore } from '../../src/stores/streams/open';
import { startRedisServer } from '../helpers/redis-server';
import { startStreamPeer, type StreamPeer } from '../helpers/stream-peer';
import { storeKinds } from '../helpers/store-kinds';

const stores = storeKinds('switchyard-streams-', 'streams.sqlite');
const { kinds } = stores;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ids a store of the other kind gives, or that no store gives: each store must refuse them. */
const FOREIGN_IDS: Record<string, string[]> = {
  SQLite: ['1700000000000-0', 'abc', '', ' 1', '1.5', '-1', '01', '1e3', '99999999999999999999'],
  Redis: ['17', 'abc', '', '1-', '-1', '1-2-3', ' 1-0', '1-0 ', '99999999999999999999999-0', '18446744073709551616-0'],
};

/** Reads the whole stream after `after` by pages of `limit`, without waiting. */
async function readAll(
  store: StreamStore,
  streamId: string,
  after: string | null,
  limit: number,
): Promise<StreamEntry[]> {
  const all: StreamEntry[] = [];
  let from = after;
  for (;;) {
    const page = await store.read(streamId, from, { waitMs: 0, limit });
    expect(page.length).toBeLessThanOrEqual(limit);
    if (page.length === 0) return all;
    all.push(...page);
    from = page[page.length - 1]!.id;
  }
}

describe.each(kinds)('the stream store on %s', (kind, url) => {
  let streams: StreamStore;
  let peer: StreamPeer;
  let stream: string;

  beforeAll(async () => {
    streams = await createStreamStore(url());
    peer = await startStreamPeer(url());
  });

  afterAll(async () => {
    await peer?.stop();
    await streams?.close();
  });

  beforeEach(() => {
    stream = `test:${randomUUID()}`;
  });

  test('entries come back in the order appended, with the ids the appends gave', async () => {
    const first = await streams.append(stream, ['a', 'b']);
    const second = await streams.append(stream, ['c']);
    expect(first).toHaveLength(2);
    expect(second).toHaveLength(1);
    const ids = [...first, ...second];
    expect(new Set(ids).size).toBe(3);
    await expect(streams.read(stream, null, { waitMs: 0 })).resolves.toEqual([
      { id: ids[0], data: 'a' },
      { id: ids[1], data: 'b' },
      { id: ids[2], data: 'c' },
    ]);
  });

  test('data is kept as given: empty, multi-line, JSON and non-ASCII strings', async () => {
    const data = ['', 'line 1\nline 2\r\n', JSON.stringify({ delta: { content: 'héllo 👋' } }), 'x'.repeat(100_000)];
    await streams.append(stream, data);
    const read = await streams.read(stream, null, { waitMs: 0 });
    expect(read.map((entry) => entry.data)).toEqual(data);
  });

  test('reading after the id of entry k returns entry k+1 onward', async () => {
    const ids = await streams.append(stream, ['0', '1', '2', '3', '4']);
    for (let k = 0; k < ids.length; k++) {
      const after = await streams.read(stream, ids[k]!, { waitMs: 0 });
      expect(after.map((entry) => entry.data)).toEqual(['0', '1', '2', '3', '4'].slice(k + 1));
    }
  });

  test('a limit bounds a read, and pages of any size add up to the stream without gaps or repeats', async () => {
    const data = Array.from({ length: 23 }, (_, i) => `entry ${i}`);
    await streams.append(stream, data);
    await expect(streams.read(stream, null, { waitMs: 0, limit: 5 })).resolves.toHaveLength(5);
    for (const limit of [1, 2, 7, 23, 100]) {
      expect((await readAll(streams, stream, null, limit)).map((entry) => entry.data)).toEqual(data);
    }
  });

  test('interleaved appends to many streams, in one process and another, each read back whole and in order', async () => {
    const names = Array.from({ length: 5 }, (_, i) => `${stream}:${i}`);
    const expected = new Map<string, string[]>(names.map((name) => [name, []]));
    for (let round = 0; round < 40; round++) {
      // One append per stream per round, all at once, from alternating processes.
      await Promise.all(
        names.map((name, i) => {
          const batch = Array.from({ length: 1 + ((round + i) % 3) }, (_, j) => `${name}/${round}/${j}`);
          expected.get(name)!.push(...batch);
          return (round + i) % 2 === 0 ? streams.append(name, batch) : peer.append(name, batch);
        }),
      );
    }
    for (const name of names) {
      const read = await readAll(streams, name, null, 9);
      expect(read.map((entry) => entry.data)).toEqual(expected.get(name));
      const fromPeer = await peer.read(name, read[10]!.id, { waitMs: 0, limit: 1_000 });
      expect(fromPeer).toEqual(read.slice(11));
    }
  });

  test('a caught-up read that does not wait returns nothing at once', async () => {
    const [id] = await streams.append(stream, ['only']);
    await expect(streams.read(stream, id!, { waitMs: 0 })).resolves.toEqual([]);
    await expect(streams.read(`${stream}:never-written`, null, { waitMs: 0 })).resolves.toEqual([]);
  });

  test('a waiting read that sees no entry resolves with nothing once its wait is over', async () => {
    const [id] = await streams.append(stream, ['only']);
    const started = Date.now();
    await expect(streams.read(stream, id!, { waitMs: 300 })).resolves.toEqual([]);
    // A lower bound only: how late a timer fires depends on the machine.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(streams.read(`${stream}:never-written`, null, { waitMs: 100 })).resolves.toEqual([]);
  });

  test('a waiting read is woken by an append in the same process', async () => {
    const reading = streams.read(stream, null, { waitMs: 30_000 });
    await sleep(50);
    const ids = await streams.append(stream, ['now']);
    await expect(reading).resolves.toEqual([{ id: ids[0], data: 'now' }]);
  });

  test('a waiting read is woken by an append of another store in the same process', async () => {
    const other = await createStreamStore(url());
    try {
      const reading = streams.read(stream, null, { waitMs: 30_000 });
      await sleep(50);
      const ids = await other.append(stream, ['from the other store']);
      await expect(reading).resolves.toEqual([{ id: ids[0], data: 'from the other store' }]);
    } finally {
      await other.close();
    }
  });

  test('a waiting read is woken by an append in another process, and the other way round', async () => {
    const reading = streams.read(stream, null, { waitMs: 30_000 });
    await sleep(50);
    const ids = await peer.append(stream, ['from the peer']);
    await expect(reading).resolves.toEqual([{ id: ids[0], data: 'from the peer' }]);

    const peerReading = peer.read(stream, ids[0]!, { waitMs: 30_000 });
    await sleep(100);
    const mine = await streams.append(stream, ['to the peer']);
    await expect(peerReading).resolves.toEqual([{ id: mine[0], data: 'to the peer' }]);
  });

  test('a reader following a stream another process writes gets every entry once, in order', async () => {
    const count = 150;
    const writing = peer.trickle(stream, 'chunk ', count, 1);
    const received: StreamEntry[] = [];
    let after: string | null = null;
    while (received.length < count) {
      const entries = await streams.read(stream, after, { waitMs: 10_000, limit: 16 });
      expect(entries.length).toBeGreaterThan(0);
      received.push(...entries);
      after = entries[entries.length - 1]!.id;
    }
    const ids = await writing;
    expect(received.map((entry) => entry.id)).toEqual(ids);
    expect(received.map((entry) => entry.data)).toEqual(Array.from({ length: count }, (_, i) => `chunk ${i}`));
  });

  test('several waiting reads on several streams are each woken by their own stream only', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `${stream}:${i}`);
    const readings = names.map((name) => streams.read(name, null, { waitMs: 30_000 }));
    const second = streams.read(names[0]!, null, { waitMs: 30_000 });
    await sleep(100);
    const [firstId] = await peer.append(names[0]!, ['for 0']);
    const expectedFirst = [{ id: firstId!, data: 'for 0' }];
    await expect(readings[0]).resolves.toEqual(expectedFirst);
    await expect(second).resolves.toEqual(expectedFirst);
    const unsettled = Symbol('waiting');
    await expect(Promise.race([readings[1], sleep(100).then(() => unsettled)])).resolves.toBe(unsettled);
    const expected: StreamEntry[][] = [expectedFirst];
    for (const [i, name] of names.entries()) {
      if (i === 0) continue;
      const ids = await (i % 2 === 0 ? peer : streams).append(name, [`for ${i}`]);
      expected.push([{ id: ids[0]!, data: `for ${i}` }]);
    }
    await expect(Promise.all(readings)).resolves.toEqual(expected);
  });

  test('aborting its signal ends a waiting read with nothing; an aborted signal only skips the wait', async () => {
    const stop = new AbortController();
    const reading = streams.read(stream, null, { waitMs: 30_000, signal: stop.signal });
    await sleep(50);
    stop.abort();
    await expect(reading).resolves.toEqual([]);
    const [id] = await streams.append(stream, ['there']);
    await expect(streams.read(stream, null, { waitMs: 30_000, signal: stop.signal })).resolves.toEqual([
      { id, data: 'there' },
    ]);
    await expect(streams.read(stream, id!, { waitMs: 30_000, signal: stop.signal })).resolves.toEqual([]);
    // The store is not left waiting on the aborted read: the next one is answered by the next append.
    const next = streams.read(stream, id!, { waitMs: 30_000 });
    await sleep(50);
    const [nextId] = await peer.append(stream, ['next']);
    await expect(next).resolves.toEqual([{ id: nextId, data: 'next' }]);
  });

  test('an id this store could not have given is refused with InvalidStreamIdError', async () => {
    await streams.append(stream, ['a']);
    for (const id of FOREIGN_IDS[kind]!) {
      await expect(streams.read(stream, id, { waitMs: 0 })).rejects.toBeInstanceOf(InvalidStreamIdError);
    }
    // Also when the read would wait: the id is checked first.
    await expect(streams.read(stream, 'nope', { waitMs: 10_000 })).rejects.toMatchObject({
      name: 'InvalidStreamIdError',
      id: 'nope',
    });
  });

  test('bad read options are refused', async () => {
    await expect(streams.read(stream, null, { waitMs: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(streams.read(stream, null, { waitMs: 0, limit: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(streams.read(stream, null, { waitMs: 0, limit: 1.5 })).rejects.toBeInstanceOf(RangeError);
  });

  test('remove drops a stream at once; appending again starts it afresh', async () => {
    await streams.append(stream, ['old 1', 'old 2']);
    await streams.remove(stream);
    await expect(streams.read(stream, null, { waitMs: 0 })).resolves.toEqual([]);
    await expect(streams.remove(`${stream}:never-written`)).resolves.toBeUndefined();
    const [fresh] = await streams.append(stream, ['new']);
    await expect(streams.read(stream, null, { waitMs: 0 })).resolves.toEqual([{ id: fresh, data: 'new' }]);
  });

  test('a stream expires ttlSeconds after its last append, and every append starts the time again', async () => {
    const short = await createStreamStore(url(), { ttlSeconds: 1.5, sqliteTable: 'switchyard_streams_ttl' });
    try {
      await short.append(stream, ['first']);
      await sleep(1_000);
      await short.append(stream, ['second']);
      // 2 s after the first append, 1 s after the second: alive, with both entries.
      await sleep(1_000);
      const alive = await short.read(stream, null, { waitMs: 0 });
      expect(alive.map((entry) => entry.data)).toEqual(['first', 'second']);
      await sleep(1_600);
      await expect(short.read(stream, null, { waitMs: 0 })).resolves.toEqual([]);
      // An append to an expired stream starts it afresh, without the expired entries.
      await short.append(stream, ['third']);
      const fresh = await short.read(stream, null, { waitMs: 0 });
      expect(fresh.map((entry) => entry.data)).toEqual(['third']);
    } finally {
      await short.close();
    }
  });

  test('ping answers, and a closed store refuses work as unavailable and ends its waiting reads', async () => {
    const store = await createStreamStore(url());
    await expect(store.ping()).resolves.toBeUndefined();
    const reading = store.read(stream, null, { waitMs: 30_000 });
    await sleep(50);
    await store.close();
    await expect(reading).resolves.toEqual([]);
    await expect(store.append(stream, ['late'])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.read(stream, null, { waitMs: 0 })).rejects.toMatchObject({ store: 'streams' });
    // The shared connection is still there for the other stores.
    await expect(streams.ping()).resolves.toBeUndefined();
  });
});

describe('the stream store on SQLite, underneath', () => {
  test('expired streams are deleted by a later append, so the file does not keep them', async () => {
    const table = 'switchyard_streams_prune';
    const settings = (ttlSeconds: number) => ({ ttlSeconds, sqliteTable: table });
    const stream = `test:${randomUUID()}`;
    const shortLived = await createStreamStore(stores.sqliteUrl, settings(0.2));
    const longLived = await createStreamStore(stores.sqliteUrl, settings(60));
    try {
      await shortLived.append(`${stream}:over`, ['a', 'b', 'c']);
      await longLived.append(`${stream}:live`, ['x']);
    } finally {
      await shortLived.close();
      await longLived.close();
    }
    await sleep(400);
    // Pruning runs on an append at most every few seconds per store: a store just opened prunes on its first.
    const pruning = await createStreamStore(stores.sqliteUrl, settings(60));
    try {
      await pruning.append(`${stream}:live`, ['y']);
      const db = new Database(stores.sqliteUrl.path, { readonly: true });
      try {
        const rows = db
          .prepare<[string], { stream_id: string; data: string }>(
            `SELECT stream_id, data FROM ${table} WHERE stream_id LIKE ? || '%' ORDER BY seq`,
          )
          .all(stream);
        expect(rows).toEqual([
          { stream_id: `${stream}:live`, data: 'x' },
          { stream_id: `${stream}:live`, data: 'y' },
        ]);
      } finally {
        db.close();
      }
    } finally {
      await pruning.close();
    }
  });

  test('a file that cannot be opened fails with an error read as an outage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-streams-bad-'));
    // A directory where the database file should be: SQLite cannot open it.
    const failure: unknown = await createStreamStore({ kind: 'sqlite', path: dir }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isStoreUnavailable(failure)).toBe(true);
  });
});

describe('the stream store on Redis, underneath', () => {
  test('each stream is one Redis stream key with an expiry, refreshed by every append', async () => {
    const url: StoreUrl = { kind: 'redis', url: stores.redis().url };
    const streams = await createStreamStore(url, { ttlSeconds: 120 });
    const client = createClient({ url: stores.redis().url });
    await client.connect();
    const stream = `test:${randomUUID()}`;
    try {
      const ids = await streams.append(stream, ['a', 'b']);
      for (const id of ids) expect(id).toMatch(/^\d+-\d+$/);
      const key = `switchyard:stream:${stream}`;
      await expect(client.type(key)).resolves.toBe('stream');
      await expect(client.xLen(key)).resolves.toBe(2);
      await client.pExpire(key, 5_000);
      await streams.append(stream, ['c']);
      const ttl = await client.pTTL(key);
      expect(ttl).toBeGreaterThan(5_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    } finally {
      await client.close();
      await streams.close();
    }
  });

  test('more waiting reads than blocking connections share them, and each still gets its entries', async () => {
    const url: StoreUrl = { kind: 'redis', url: stores.redis().url };
    const streams = await createStreamStore(url, { redisBlockingConnections: 2 });
    const writer = await createStreamStore(url);
    const observer = createClient({ url: stores.redis().url });
    await observer.connect();
    const stream = `test:${randomUUID()}`;
    try {
      const names = Array.from({ length: 10 }, (_, i) => `${stream}:${i}`);
      const readings: Array<Promise<StreamEntry[]>> = [];
      // Joining one at a time, so most joins interrupt a blocked XREAD to be added to it.
      for (const name of names) {
        readings.push(streams.read(name, null, { waitMs: 25_000 }));
        await sleep(10);
      }
      const clients = (await observer.sendCommand<string>(['CLIENT', 'LIST'])).split('\n').filter((l) => l !== '');
      // Blocked ones (flag b): the two blocking connections, each with one XREAD over several streams.
      expect(clients.filter((line) => / flags=\w*b\w* /.test(line))).toHaveLength(2);
      // The observer, the shared connection (the writer's too, same URL and process) and the two.
      expect(clients).toHaveLength(4);
      // Latest joiner first: a read left out of its connection's XREAD would only be answered by its timeout.
      const answered = Symbol('not answered before the XREAD timeout');
      for (const [i, name] of [...names.entries()].reverse()) {
        const ids = await writer.append(name, [name]);
        const timeout = sleep(10_000).then(() => answered);
        await expect(Promise.race([readings[i], timeout])).resolves.toEqual([{ id: ids[0]!, data: name }]);
      }
    } finally {
      await observer.close();
      await writer.close();
      await streams.close();
    }
  });

  test('while Redis is down, reads and appends fail as the store being unavailable, waiting ones included', async () => {
    const server = await startRedisServer();
    const url: StoreUrl = { kind: 'redis', url: server.url };
    const streams = await createStreamStore(url, {}, { logger: { warn: () => undefined } });
    const stream = `test:${randomUUID()}`;
    try {
      await streams.append(stream, ['before']);
      const [first] = await streams.read(stream, null, { waitMs: 0 });
      // Its outcome is taken at once: it fails while the server is being stopped, before anything awaits it.
      const waiting = streams.read(stream, first!.id, { waitMs: 30_000 }).then(
        () => 'resolved',
        (err: unknown) => err,
      );
      await sleep(100);
      await server.stop();
      expect(await waiting).toBeInstanceOf(StoreUnavailableError);
      await expect(streams.append(stream, ['after'])).rejects.toMatchObject({ store: 'streams' });
      await expect(streams.read(stream, null, { waitMs: 1_000 })).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await streams.close();
      await server.stop();
    }
  });
});

describe('the stream store among the shared stores', () => {
  test('is opened on the cache URL and closed with the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-streams-shared-'));
    const shared = await openSharedStores({
      cacheUrl: { kind: 'sqlite', path: join(dir, 'cache.sqlite') },
      countersUrl: { kind: 'sqlite', path: join(dir, 'counters.sqlite') },
      circuits: {
        failureRatio: 0.5,
        minRequests: 10,
        consecutiveFailures: 5,
        windowSeconds: 30,
        openSeconds: 30,
        probeSeconds: 30,
      },
    });
    try {
      const [id] = await shared.streams.append('job-1', ['chunk']);
      await expect(shared.streams.read('job-1', null, { waitMs: 0 })).resolves.toEqual([{ id, data: 'chunk' }]);
    } finally {
      await shared.close();
    }
    const db = new Database(join(dir, 'cache.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM switchyard_streams').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });
});
