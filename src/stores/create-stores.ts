import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import { KeyvSqliteStore } from './keyv-sqlite-store';
import { connectRedis, type RedisConnectionOptions } from './redis-connection';
import { RedisBudgetLedger, type RedisBudgetLedgerOptions } from './redis-budget-ledger';
import { DEFAULT_CACHE_NAMESPACE, KeyvResponseCache } from './response-cache';
import { openSqliteDatabase } from './sqlite-database';
import { SqliteBudgetLedger, type SqliteBudgetLedgerOptions } from './sqlite-budget-ledger';
import type { StoreUrl } from './store-url';
import { RedisCircuitStore, SqliteCircuitStore, type CircuitStore } from './circuit-store';
import type { CircuitSettings } from './circuit-state';
import type { BudgetLedger, CacheEntry, ResponseCacheStore } from './types';

export interface ResponseCacheOptions extends RedisConnectionOptions {
  /**
   * Prefix of the cache's keys, so several caches (or other data) can share one store.
   * @default 'switchyard:cache'
   */
  namespace?: string;
}

/** Options of either ledger; `keyPrefix` and the connection options apply to Redis only. */
export type BudgetLedgerOptions = SqliteBudgetLedgerOptions & RedisBudgetLedgerOptions & RedisConnectionOptions;

/**
 * Opens the response cache at `url`: Keyv over a SQLite table, or over Redis with `@keyv/redis`. Connections
 * are shared per URL within the process; `close()` gives this cache's share back.
 */
export async function createResponseCache<T>(
  url: StoreUrl,
  options: ResponseCacheOptions = {},
): Promise<ResponseCacheStore<T>> {
  const namespace = options.namespace ?? DEFAULT_CACHE_NAMESPACE;
  // Store failures reach the caller rather than reading as misses: a cache that silently stops working
  // would only show up as a provider bill.
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      const store = new KeyvSqliteStore(database.db, { table: 'response_cache' });
      const keyv = new Keyv<CacheEntry<T>>({ store, namespace, throwOnErrors: true });
      return new KeyvResponseCache(
        keyv,
        () => Promise.resolve(database.release()),
        () => database.ping(),
      );
    } catch (err) {
      database.release();
      throw err;
    }
  }
  const redis = await connectRedis(url.url, options);
  // The adapter prefixes keys itself (`namespace::key`), so Keyv's own prefix is turned off; the shared
  // client is released by us, never disconnected through the adapter.
  const store = new KeyvRedis<string>(redis.client, { namespace, throwOnErrors: true });
  const keyv = new Keyv<CacheEntry<T>>({ store, namespace, useKeyPrefix: false, throwOnErrors: true });
  return new KeyvResponseCache(
    keyv,
    () => redis.release(),
    () => redis.ping(),
  );
}

/** Opens the shared circuit breakers at `url`, on SQLite or Redis. */
export async function createCircuitStore(url: StoreUrl, settings: CircuitSettings): Promise<CircuitStore> {
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      return new SqliteCircuitStore(database, settings);
    } catch (err) {
      database.release();
      throw err;
    }
  }
  return new RedisCircuitStore(await connectRedis(url.url), settings);
}

/** Opens the budget ledger at `url`, on SQLite or Redis. `close()` gives this ledger's share of the connection back. */
export async function createBudgetLedger(url: StoreUrl, options: BudgetLedgerOptions = {}): Promise<BudgetLedger> {
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      return new SqliteBudgetLedger(database, options);
    } catch (err) {
      database.release();
      throw err;
    }
  }
  const redis = await connectRedis(url.url, options);
  return new RedisBudgetLedger(redis, options);
}
