import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreUrl } from '../../src/contract/store-url';
import { startRedisServer, type RedisServer } from './redis-server';

export interface StoreKinds {
  /** `[name, url]` pairs for `describe.each`: a temp SQLite file and a real redis-server. */
  kinds: Array<[string, () => StoreUrl]>;
  sqliteUrl: StoreUrl & { kind: 'sqlite' };
  redis: () => RedisServer;
}

/**
 * Registers a real redis-server for the calling test file (started before its tests, stopped after) and a
 * temp SQLite file, so one suite runs the same behaviours against both stores.
 */
export function storeKinds(prefix: string, file: string): StoreKinds {
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  const server = () => {
    if (!redis) throw new Error('redis-server is started in beforeAll');
    return redis;
  };
  const sqliteUrl = { kind: 'sqlite' as const, path: join(mkdtempSync(join(tmpdir(), prefix)), file) };
  return {
    kinds: [
      ['SQLite', () => sqliteUrl],
      ['Redis', () => ({ kind: 'redis', url: server().url })],
    ],
    sqliteUrl,
    redis: server,
  };
}
