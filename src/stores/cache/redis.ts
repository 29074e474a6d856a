import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import type { SharedRedisClient } from '../shared/redis-connection';
import type { CacheEntry, ResponseCacheStore } from './contract';
import { KeyvResponseCache } from './keyv-response-cache';

/** The response cache on a shared Redis client; `close()` gives this cache's share back. */
export function redisResponseCache<T>(redis: SharedRedisClient, namespace: string): ResponseCacheStore<T> {
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
