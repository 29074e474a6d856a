import { Keyv } from 'keyv';
import type { SharedSqliteDatabase } from '../shared/sqlite-database';
import type { CacheEntry, ResponseCacheStore } from './contract';
import { KeyvResponseCache } from './keyv-response-cache';
import { KeyvSqliteStore } from './keyv-sqlite-store';

/** The table every cache namespace shares in the SQLite file; keys carry their namespace. */
const CACHE_TABLE = 'response_cache';

/** The response cache in a table of the shared SQLite file; `close()` gives this cache's share back. */
export function sqliteResponseCache<T>(database: SharedSqliteDatabase, namespace: string): ResponseCacheStore<T> {
  const store = new KeyvSqliteStore(database.db, { table: CACHE_TABLE });
  const keyv = new Keyv<CacheEntry<T>>({ store, namespace, throwOnErrors: true });
  return new KeyvResponseCache(
    keyv,
    () => Promise.resolve(database.release()),
    () => database.ping(),
  );
}
