import type { Keyv } from 'keyv';
import type { CacheEntry, CacheLookup, ResponseCacheStore, TimedCacheLookup } from './contract';

/**
 * The response cache over any Keyv store. An entry is fresh during `[storedAt, freshUntil)`, stale during
 * `[freshUntil, keepUntil)` and absent from `keepUntil` on, measured with the caller's `now`; the store's
 * own expiry (ttl + stale seconds after the write, by the wall clock) only reclaims the space.
 * Values must survive JSON serialization.
 */
export class KeyvResponseCache<T> implements ResponseCacheStore<T> {
  constructor(
    private readonly keyv: Keyv<CacheEntry<T>>,
    /** Gives the underlying connection back; the cache does not own it. */
    private readonly releaseStore: () => Promise<void>,
    /** Checks the underlying connection. */
    private readonly pingStore: () => Promise<void>,
  ) {}

  async get(key: string, now = Date.now()): Promise<CacheLookup<T> | null> {
    const lookup = await this.getTimed(key, now);
    return lookup && { value: lookup.value, storedAt: lookup.storedAt, stale: lookup.stale };
  }

  async getTimed(key: string, now = Date.now()): Promise<TimedCacheLookup<T> | null> {
    const entry = await this.keyv.get(key);
    if (!entry || now >= entry.keepUntil) return null;
    const { value, storedAt, freshUntil } = entry;
    return { value, storedAt, stale: now >= freshUntil, freshUntil };
  }

  async set(key: string, value: T, ttlSeconds: number, staleSeconds: number, now = Date.now()): Promise<void> {
    assertSeconds('ttlSeconds', ttlSeconds);
    assertSeconds('staleSeconds', staleSeconds);
    const keepMs = (ttlSeconds + staleSeconds) * 1000;
    // Nothing to keep, and Keyv would read a TTL of 0 as "forever": drop any older entry instead.
    if (keepMs === 0) {
      await this.keyv.delete(key);
      return;
    }
    const freshUntil = now + ttlSeconds * 1000;
    const entry: CacheEntry<T> = { value, storedAt: now, freshUntil, keepUntil: freshUntil + staleSeconds * 1000 };
    await this.keyv.set(key, entry, keepMs);
  }

  async delete(key: string): Promise<void> {
    await this.keyv.delete(key);
  }

  ping(): Promise<void> {
    return this.pingStore();
  }

  async close(): Promise<void> {
    await this.releaseStore();
  }
}

function assertSeconds(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}
