import type { StoreUrl } from '../../contract/store-url';
import { connectRedis, type RedisConnectionOptions } from '../shared/redis-connection';
import { openSqliteDatabase } from '../shared/sqlite-database';
import type { RateCounterSettings, RateCounterStore } from './contract';
import { SqliteRateCounterStore } from './sqlite';

/**
 * Opens the shared rate counters at the counters store's `url`, on SQLite or Redis. Connections are shared
 * per URL within the process; `close()` gives this store's share back.
 */
export async function createRateCounterStore(
  url: StoreUrl,
  settings: RateCounterSettings = {},
  connection: RedisConnectionOptions = {},
): Promise<RateCounterStore> {
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      return new SqliteRateCounterStore(database, settings.sqliteTable);
    } catch (err) {
      database.release();
      throw err;
    }
  }
  // Loaded only for Redis: a deployment on SQLite files never loads the Redis client.
  const { RedisRateCounterStore } = await import('./redis');
  return new RedisRateCounterStore(await connectRedis(url.url, connection));
}
