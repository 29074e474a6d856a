import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import Database from 'better-sqlite3';
import type { CircuitSettings } from '../../src/stores/circuits/contract';
import { openSharedStores } from '../../src/stores/open-stores';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

const circuits: CircuitSettings = {
  failureRatio: 0.5,
  minRequests: 10,
  consecutiveFailures: 5,
  windowSeconds: 30,
  openSeconds: 30,
  probeSeconds: 30,
};

describe('opening the shared stores', () => {
  let redis: RedisServer;
  let observer: ReturnType<typeof createClient>;

  beforeAll(async () => {
    redis = await startRedisServer();
    observer = createClient({ url: redis.url });
    await observer.connect();
  });

  afterAll(async () => {
    await observer?.close();
    await redis?.stop();
  });

  /** Clients connected to the cache's server, not counting the observer itself. */
  async function otherClients(): Promise<number> {
    const list = await observer.sendCommand<string>(['CLIENT', 'LIST']);
    return list.split('\n').filter((line) => line.trim() !== '').length - 1;
  }

  /** The server drops a closed client's line a moment after the close; wait for it, up to a generous bound. */
  async function expectOtherClientsToReach(count: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await otherClients()) !== count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await otherClients()).toBe(count);
  }

  function countersFile(): string {
    return join(mkdtempSync(join(tmpdir(), 'switchyard-open-')), 'counters.sqlite');
  }

  test('when the circuits store fails to open, the cache and the ledger opened before it are closed', async () => {
    const path = countersFile();
    // A circuits table of another shape: the circuits store cannot prepare its statements on it.
    const foreign = new Database(path);
    foreign.exec('CREATE TABLE circuit_breakers (name TEXT PRIMARY KEY)');
    foreign.close();

    const opening = openSharedStores({
      cacheUrl: { kind: 'redis', url: redis.url },
      countersUrl: { kind: 'sqlite', path },
      circuits,
    });

    // Matched by message: better-sqlite3's error class may come from another test file's module realm.
    await expect(opening).rejects.toMatchObject({ message: expect.stringMatching(/no such column: record/) });
    // The cache's Redis client is disconnected…
    await expectOtherClientsToReach(0);
    // …and the ledger's SQLite connection closed: SQLite removes the WAL file when the last connection closes.
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  test('when the ledger fails to open, the caches opened before it are closed', async () => {
    const path = countersFile();
    const foreign = new Database(path);
    foreign.exec('CREATE TABLE budget_ledger_jobs (name TEXT PRIMARY KEY)');
    foreign.close();

    await expect(
      openSharedStores({
        cacheUrl: { kind: 'redis', url: redis.url },
        countersUrl: { kind: 'sqlite', path },
        circuits,
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/no such column/) });
    await expectOtherClientsToReach(0);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  test('stores that all open share one connection per URL, and closing them closes it', async () => {
    const path = countersFile();
    const stores = await openSharedStores({
      cacheUrl: { kind: 'redis', url: redis.url },
      countersUrl: { kind: 'sqlite', path },
      circuits,
    });
    await expect(stores.ledger.ping()).resolves.toBeUndefined();
    await expect(stores.counters.ping()).resolves.toBeUndefined();
    expect(await otherClients()).toBe(1);
    expect(existsSync(`${path}-wal`)).toBe(true);

    await stores.close();
    await expectOtherClientsToReach(0);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
