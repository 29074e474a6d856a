import { RedisKeyStateStore } from './key-state-redis';
import { SqliteKeyStateStore } from './key-state-sqlite';
import type { KeyStateStore } from './key-state-types';
import { connectRedis, type RedisConnectionOptions } from './redis-connection';
import { openSqliteDatabase } from './sqlite-database';
import type { StoreUrl } from './store-url';

export interface KeyStateStoreOptions extends RedisConnectionOptions {
  /**
   * Prefix of the store's keys (Redis keys and rate-counter keys), so several deployments can share a store.
   * @default 'switchyard:key'
   */
  keyPrefix?: string;
}

/**
 * Opens the shared key state at the counters store's `url`, on SQLite or Redis. Connections are shared per
 * URL within the process; `close()` gives this store's share back.
 */
export async function createKeyStateStore(url: StoreUrl, options: KeyStateStoreOptions = {}): Promise<KeyStateStore> {
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      return new SqliteKeyStateStore(database, options);
    } catch (err) {
      database.release();
      throw err;
    }
  }
  const redis = await connectRedis(url.url, options);
  return new RedisKeyStateStore(redis, options);
}
