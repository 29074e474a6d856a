/** How long a served answer is kept at most: a `refresh` written by another process shows up within this. */
export const DEFAULT_HOLD_MS = 1_000;

/** Bounds of a memo: entries are dropped oldest first once either is passed. */
export interface MemoBounds {
  /** @default 1000 */
  maxEntries?: number;
  /** Sum of the entries' `bytes`. @default 16 MiB */
  maxBytes?: number;
}

interface Held<V> {
  value: V;
  bytes: number;
  /** Past this (epoch ms) the entry is not served and is dropped. */
  until: number;
}

/**
 * A small in-process map of recently computed values, bounded by count and by bytes, each held until its own
 * deadline. Insertion order is eviction order: entries live a second or so, so recency would buy little.
 */
export class BoundedMemo<V> {
  private readonly entries = new Map<string, Held<V>>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private bytes = 0;

  constructor({ maxEntries = 1000, maxBytes = 16 * 1024 * 1024 }: MemoBounds = {}) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /** The value under `key` while `now` is before its deadline. */
  get(key: string, now: number): V | undefined {
    const held = this.entries.get(key);
    if (!held) return undefined;
    if (now < held.until) return held.value;
    this.delete(key);
    return undefined;
  }

  /** Holds `value` until `until`; a value larger than the whole byte bound is not held. */
  set(key: string, value: V, bytes: number, until: number): void {
    this.delete(key);
    if (bytes > this.maxBytes || this.maxEntries <= 0) return;
    this.entries.set(key, { value, bytes, until });
    this.bytes += bytes;
    for (const [oldest, held] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= held.bytes;
    }
  }

  delete(key: string): void {
    const held = this.entries.get(key);
    if (!held) return;
    this.entries.delete(key);
    this.bytes -= held.bytes;
  }

  get size(): number {
    return this.entries.size;
  }
}
