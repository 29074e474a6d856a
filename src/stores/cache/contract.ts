/**
 * Contract of the response cache: cached provider answers, and (under their own namespaces) stored requests
 * and the call journal. A SQLite table (one file under `.data/`, the default) or Redis, through Keyv.
 */
import type { CacheLookup } from '../../contract/activities';

export type { CacheLookup };

/** Where cache keys live unless the caller names another namespace. */
export const DEFAULT_CACHE_NAMESPACE = 'switchyard:cache';

/** The cache's own settings. */
export interface CacheSettings {
  /**
   * Prefix of the cache's keys, so several caches (or other data) can share one store.
   * @default 'switchyard:cache'
   */
  namespace?: string;
}

/** A cached response, as stored. `freshUntil` is when it turns stale; it is kept until `keepUntil`. */
export interface CacheEntry<T> {
  value: T;
  storedAt: number;
  freshUntil: number;
  keepUntil: number;
}

/** A lookup with the time its entry turns stale, so a caller may keep a fresh hit for a moment without asking again. */
export interface TimedCacheLookup<T> extends CacheLookup<T> {
  freshUntil: number;
}

export interface ResponseCacheStore<T> {
  /** The entry under `key`, fresh or stale; null when absent or past `keepUntil` (a miss is not an error). */
  get(key: string, now?: number): Promise<CacheLookup<T> | null>;
  /** `get` with the time the entry turns stale (kept out of `get`, whose answer workflows record as it is). */
  getTimed(key: string, now?: number): Promise<TimedCacheLookup<T> | null>;
  /** Stores `value` fresh for `ttlSeconds`, then kept as stale for `staleSeconds` more. */
  set(key: string, value: T, ttlSeconds: number, staleSeconds: number, now?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Rejects when the store cannot be reached (for readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
