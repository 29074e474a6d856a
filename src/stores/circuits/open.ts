import type { StoreUrl } from '../../contract/store-url';
import { connectRedis, type RedisConnectionOptions } from '../shared/redis-connection';
import { openSqliteDatabase } from '../shared/sqlite-database';
import type { CircuitSettings, CircuitStore } from './contract';
import { SqliteCircuitStore } from './sqlite';

/** Opens the shared circuit breakers at `url`, on SQLite or Redis. `close()` gives this store's share back. */
export async function createCircuitStore(
  url: StoreUrl,
  settings: CircuitSettings,
  connection: RedisConnectionOptions = {},
): Promise<CircuitStore> {
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      return new SqliteCircuitStore(database, settings);
    } catch (err) {
      database.release();
      throw err;
    }
  }
  // Loaded only for Redis: a deployment on SQLite files never loads the Redis client.
  const { RedisCircuitStore } = await import('./redis');
  return new RedisCircuitStore(await connectRedis(url.url, connection), settings);
}
