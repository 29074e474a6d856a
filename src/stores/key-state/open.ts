import type { StoreUrl } from '../../contract/store-url';
import { connectRedis, type RedisConnectionOptions } from '../shared/redis-connection';
import { openSqliteDatabase } from '../shared/sqlite-database';
import type { KeyStateSettings, KeyStateStore } from './contract';
import { SqliteKeyStateStore } from './sqlite';

/**
 * Opens the shared key state at the counters store's `url`, on SQLite or Redis. Connections are shared per
 * URL within the process; `close()` gives this store's share back.
 */
export async function createKeyStateStore(
  url: StoreUrl,
  settings: KeyStateSettings = {},
  connection: RedisConnectionOptions = {},
): Promise<KeyStateStore> {
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      return new SqliteKeyStateStore(database, settings);
    } catch (err) {
      database.release();
      throw err;
    }
  }
  // Loaded only for Redis: a deployment on SQLite files never loads the Redis client.
  const { RedisKeyStateStore } = await import('./redis');
  return new RedisKeyStateStore(await connectRedis(url.url, connection), settings);
}
