import type { StoreUrl } from '../../contract/store-url';
import { connectRedis, type RedisConnectionOptions } from '../shared/redis-connection';
import { openSqliteDatabase } from '../shared/sqlite-database';
import { DEFAULT_CACHE_NAMESPACE, type CacheSettings, type ResponseCacheStore } from './contract';
import { sqliteResponseCache } from './sqlite';

/**
 * Opens the response cache at `url`: Keyv over a SQLite table, or over Redis with `@keyv/redis`. Connections
 * are shared per URL within the process; `close()` gives this cache's share back.
 */
export async function createResponseCache<T>(
  url: StoreUrl,
  settings: CacheSettings = {},
  connection: RedisConnectionOptions = {},
): Promise<ResponseCacheStore<T>> {
  const namespace = settings.namespace ?? DEFAULT_CACHE_NAMESPACE;
  // Store failures reach the caller rather than reading as misses: a cache that silently stops working
  // would only show up as a provider bill.
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      return sqliteResponseCache<T>(database, namespace);
    } catch (err) {
      database.release();
      throw err;
    }
  }
  // Loaded only for Redis: a deployment on SQLite files never loads the Redis client.
  const { redisResponseCache } = await import('./redis');
  return redisResponseCache<T>(await connectRedis(url.url, connection), namespace);
}
