/**
 * Contract of the key-state store: what every worker process must agree on about a provider's API keys.
 * A key that got a 429 cools down for the provider's Retry-After, a key whose quota ran out sits out, and
 * each key's own requests/tokens per minute are counted — all in the counters store (a SQLite file or
 * Redis), so one worker's 429 keeps every other worker off that key too.
 *
 * Times are epoch milliseconds of the wall clock; workers sharing a store need clocks in step to within
 * the precision that matters here (well under a second).
 */

/** The key state's own settings. */
export interface KeyStateSettings {
  /**
   * Prefix of the store's keys (Redis keys and rate-counter keys), so several deployments can share a store.
   * @default 'switchyard:key'
   */
  keyPrefix?: string;
}

/** What the store knows of one key. 0 means "never" / "not set". */
export interface KeyStatus {
  /** Until when the key cools down after a 429. */
  cooldownUntil: number;
  /** Until when the key is out because its quota or credit is exhausted. */
  outUntil: number;
  /** When the key last got a 429. */
  lastRateLimitedAt: number;
}

/** A key's own limits, counted per minute across every process sharing the store. */
export interface KeyLimits {
  alias: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** Tokens charged to a key's tokens-per-minute window by a take. */
export interface TokenCharge {
  charged: number;
  /** When the window they were charged to ends; a refund after that would count toward the next one. */
  windowEndsAt: number;
}

/** The result of counting one call against a key's limits. */
export type KeyTake = { ok: true; tokens: TokenCharge | null } | { ok: false; retryInMs: number };

export interface KeyStateStore {
  /** Every key of the provider the store knows something about; a key absent from the map is fresh. */
  statuses(providerId: string): Promise<Map<string, KeyStatus>>;
  /** Cools the key down until `until` (a later cooldown already recorded wins) and records a 429 at `at`. */
  coolDown(providerId: string, alias: string, until: number, at: number): Promise<void>;
  /** Leaves the key out until `until` (a later time already recorded wins). */
  markOut(providerId: string, alias: string, until: number): Promise<void>;
  /** Forgets the key's cooldown and out state, e.g. once its quota has been topped up. */
  restore(providerId: string, alias: string): Promise<void>;
  /**
   * Counts one call of about `tokens` tokens against the key's limits, atomically across processes. When
   * a limit is reached nothing is counted, and `retryInMs` says when its window ends.
   */
  take(providerId: string, key: KeyLimits, tokens: number): Promise<KeyTake>;
  /** How long until a call of `tokens` tokens would fit the key's limits (0: now), without counting it. */
  freeInMs(providerId: string, key: KeyLimits, tokens: number): Promise<number>;
  /** Replaces a take's estimated tokens by the tokens the call really used. */
  settleTokens(providerId: string, key: KeyLimits, charge: TokenCharge, usedTokens: number): Promise<void>;
  /** Rejects when the store cannot be reached (for readiness checks). */
  ping(): Promise<void>;
  /** Gives this store's share of the connection back. */
  close(): Promise<void>;
}
