import type { StoreUrl } from '../../contract/store-url';
import { connectRedis, type RedisConnectionOptions } from '../shared/redis-connection';
import { openSqliteDatabase } from '../shared/sqlite-database';
import type { StreamSettings, StreamStore } from './contract';
import { guardStreamStore } from './guarded';
import { SqliteStreamStore } from './sqlite';

/**
 * Opens the stream store at `url` (the cache store's), on SQLite or Redis Streams. Connections are shared per URL
 * within the process; `close()` ends waiting reads and gives this store's share back.
 */
export async function createStreamStore(
  url: StoreUrl,
  settings: StreamSettings = {},
  connection: RedisConnectionOptions = {},
): Promise<StreamStore> {
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      return guardStreamStore(new SqliteStreamStore(database, settings));
    } catch (err) {
      database.release();
      throw err;
    }
  }
  // Loaded only for Redis: a deployment on SQLite files never loads the Redis client.
  const { RedisStreamStore } = await import('./redis');
  const redis = await connectRedis(url.url, connection);
  try {
    return guardStreamStore(new RedisStreamStore(redis, settings));
  } catch (err) {
    await redis.release();
    throw err;
  }
}
