import type { ProviderKeyConfig } from '../src/config/schema';
import type { KeyStateStore, KeyStatus, KeyTake, TokenCharge } from '../src/stores/key-state/contract';
import type { ChatRequest } from '../src/contract/chat';
import { FailureType } from '../src/contract/failure-types';
import {
  estimateCallTokens,
  nextUtcMidnight,
  pickWeighted,
  recoveredWeight,
  soonestFreeInMs,
  standingOf,
} from './key-pool-selection';
import type { ProviderClients } from './provider-clients';
import { ProviderError } from './providers/provider-error';

/** The part of a pino logger the pools use. */
export interface KeyPoolLogger {
  warn(details: object, message: string): void;
}

export interface KeyPoolOptions {
  /** The shared key state (the counters store). */
  store: KeyStateStore;
  logger: KeyPoolLogger;
  /**
   * How long a key cools down after a 429 that names no Retry-After, in milliseconds.
   * @default 5000
   */
  defaultCooldownMs?: number;
  /**
   * How long after its last 429 a key gets less than its full weight (see `recoveredWeight`).
   * @default 60000
   */
  recoveryMs?: number;
  /**
   * Output tokens assumed for a request without `max_tokens`, for tokens-per-minute limits.
   * @default 1024
   */
  defaultMaxTokens?: number;
  /** @default Math.random */
  random?: () => number;
  /** @default Date.now */
  now?: () => number;
}

/** A key chosen for one call. */
export interface KeyLease {
  alias: string;
  /** Tokens counted against the key's tokens-per-minute limit; null when it has none. */
  tokens: TokenCharge | null;
}

/**
 * What the pool offers the retry after a key failed: another key `now`, the soonest key `later`, or
 * nothing at all (`none`: every key is out of quota).
 */
export type PoolOutlook = { next: 'now' } | { next: 'later'; inMs: number } | { next: 'none' };

/** No key of the pool can take a call now: all are cooling down or at their own limits. A local condition. */
export class KeyPoolBusyError extends Error {
  override readonly name = 'KeyPoolBusyError';

  constructor(
    readonly providerId: string,
    /** Until the soonest key frees up. */
    readonly retryAfterMs: number,
  ) {
    super(
      `Every key of provider "${providerId}" is cooling down or at its limit; the soonest is free in ${Math.ceil(retryAfterMs / 1000)} s`,
    );
  }
}

/** A busy pool's wait is stretched by a random share of it, up to this share and this many milliseconds. */
const BUSY_JITTER_SHARE = 0.1;
const BUSY_JITTER_MAX_MS = 1_000;

/** A store outage is logged at most this often, not once per call. */
const STORE_WARNING_INTERVAL_MS = 30_000;

interface Blocked {
  alias: string;
  until: number;
  out: boolean;
}

/**
 * One provider's key pool. For each call it skips keys that are out of quota, cooling down after a 429 or
 * at their own per-minute limits, and draws among the rest by weight (less for keys rate-limited a moment
 * ago). Cooldowns, outs and counts live in the shared store, so every worker process sees them.
 *
 * When the store cannot be reached, keys are chosen by weight alone and the call goes ahead: a 429 then
 * still reaches Temporal's retry with the provider's Retry-After, which is better than failing every call.
 */
export class KeyPool {
  private readonly defaultCooldownMs: number;
  private readonly recoveryMs: number;
  private readonly defaultMaxTokens: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private lastStoreWarning = 0;

  constructor(
    readonly providerId: string,
    private readonly keys: readonly ProviderKeyConfig[],
    private readonly options: KeyPoolOptions,
  ) {
    this.defaultCooldownMs = options.defaultCooldownMs ?? 5_000;
    this.recoveryMs = options.recoveryMs ?? 60_000;
    this.defaultMaxTokens = options.defaultMaxTokens ?? 1_024;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /**
   * Chooses the key for one call and counts the call against its limits. Throws `KeyPoolBusyError` when no
   * key can take it now, and a QUOTA_EXHAUSTED `ProviderError` when every key is out of quota.
   */
  acquire(request: ChatRequest): Promise<KeyLease> {
    return this.acquireTokens(estimateCallTokens(request, this.defaultMaxTokens));
  }

  /** {@link KeyPool.acquire} for a call whose tokens are known up front (an embeddings call's input). */
  async acquireTokens(tokens: number): Promise<KeyLease> {
    const now = this.now();
    const statuses = await this.statuses();
    const blocked: Blocked[] = [];
    const candidates: Array<{ key: ProviderKeyConfig; weight: number }> = [];
    for (const key of this.keys) {
      const status = statuses.get(key.alias);
      const standing = standingOf(status, now);
      if (standing.state === 'usable') {
        candidates.push({
          key,
          weight: recoveredWeight(key.weight, status?.lastRateLimitedAt ?? 0, now, this.recoveryMs),
        });
      } else {
        blocked.push({ alias: key.alias, until: standing.until, out: standing.state === 'out' });
      }
    }
    // Each round either returns or drops a key, so this ends after at most one round per key.
    for (let pick = pickWeighted(candidates, this.random); pick; pick = pickWeighted(candidates, this.random)) {
      const take = await this.take(pick.key, tokens);
      if (take.ok) return { alias: pick.key.alias, tokens: take.tokens };
      blocked.push({ alias: pick.key.alias, until: now + take.retryInMs, out: false });
      candidates.splice(candidates.indexOf(pick), 1);
    }
    if (blocked.every((b) => b.out)) throw this.allOut(blocked);
    const wait = soonestFreeInMs(
      blocked.map((b) => b.until),
      now,
    );
    // Jobs that found the pool busy together would otherwise all come back in the same millisecond.
    const jitter = Math.round(this.random() * Math.min(BUSY_JITTER_MAX_MS, wait * BUSY_JITTER_SHARE));
    throw new KeyPoolBusyError(this.providerId, wait + jitter);
  }

  /** Records the provider's 429 for the lease's key: it cools down for `retryAfterMs` (or the default). */
  async rateLimited(lease: KeyLease, retryAfterMs: number | undefined): Promise<PoolOutlook> {
    const now = this.now();
    const until = now + (retryAfterMs ?? this.defaultCooldownMs);
    await this.guard('cool down', () => this.options.store.coolDown(this.providerId, lease.alias, until, now));
    return this.outlook(lease, { alias: lease.alias, until, out: false });
  }

  /** Records that the lease's key is out of quota: it sits out until `quotaCooldownSeconds` or the next UTC day. */
  async quotaExhausted(lease: KeyLease): Promise<PoolOutlook> {
    const now = this.now();
    const key = this.keys.find((k) => k.alias === lease.alias);
    const until = key?.quotaCooldownSeconds ? now + key.quotaCooldownSeconds * 1000 : nextUtcMidnight(now);
    await this.guard('mark out', () => this.options.store.markOut(this.providerId, lease.alias, until));
    this.options.logger.warn(
      { provider: this.providerId, keyAlias: lease.alias, outUntil: new Date(until).toISOString() },
      'provider key is out of quota',
    );
    return this.outlook(lease, { alias: lease.alias, until, out: true });
  }

  /** Replaces the call's estimated tokens by the tokens it used, for the key's tokens-per-minute limit. */
  async settle(lease: KeyLease, usedTokens: number): Promise<void> {
    const key = this.keys.find((k) => k.alias === lease.alias);
    if (!lease.tokens || !key) return;
    const charge = lease.tokens;
    await this.guard('settle tokens', () => this.options.store.settleTokens(this.providerId, key, charge, usedTokens));
  }

  /** What the retry can expect, with `failed` (just recorded) taken as known even if the store write failed. */
  private async outlook(lease: KeyLease, failed: Blocked): Promise<PoolOutlook> {
    const now = this.now();
    const statuses = await this.statuses();
    const tokens = lease.tokens?.charged ?? 1;
    const frees: Blocked[] = [failed];
    for (const key of this.keys) {
      if (key.alias === failed.alias) continue;
      const standing = standingOf(statuses.get(key.alias), now);
      if (standing.state !== 'usable') {
        frees.push({ alias: key.alias, until: standing.until, out: standing.state === 'out' });
        continue;
      }
      const inMs = await this.guard('read limits', () => this.options.store.freeInMs(this.providerId, key, tokens));
      if (!inMs) return { next: 'now' };
      frees.push({ alias: key.alias, until: now + inMs, out: false });
    }
    if (frees.every((f) => f.out)) return { next: 'none' };
    return {
      next: 'later',
      inMs: soonestFreeInMs(
        frees.map((f) => f.until),
        now,
      ),
    };
  }

  private allOut(blocked: Blocked[]): ProviderError {
    const back = new Date(Math.min(...blocked.map((b) => b.until))).toISOString();
    return new ProviderError(
      FailureType.QuotaExhausted,
      `Every key of provider "${this.providerId}" is out of quota; the first is expected back at ${back}`,
    );
  }

  private async statuses(): Promise<Map<string, KeyStatus>> {
    return (await this.guard('read key state', () => this.options.store.statuses(this.providerId))) ?? new Map();
  }

  private async take(key: ProviderKeyConfig, tokens: number): Promise<KeyTake> {
    return (
      (await this.guard('count the call', () => this.options.store.take(this.providerId, key, tokens))) ?? {
        ok: true,
        tokens: null,
      }
    );
  }

  /** Runs a store operation; on failure logs (throttled) and yields undefined, so the call goes ahead. */
  private async guard<T>(action: string, operation: () => Promise<T>): Promise<T | undefined> {
    try {
      return await operation();
    } catch (err) {
      const now = Date.now();
      if (now - this.lastStoreWarning >= STORE_WARNING_INTERVAL_MS) {
        this.lastStoreWarning = now;
        this.options.logger.warn(
          { err, provider: this.providerId, action },
          'key state store unavailable; choosing keys without it',
        );
      }
      return undefined;
    }
  }
}

/** The key pools of every provider, built on first use from the worker's keys. */
export class KeyPools {
  private readonly pools = new Map<string, KeyPool>();

  constructor(
    private readonly clients: ProviderClients,
    private readonly options: KeyPoolOptions,
  ) {}

  /** The provider's pool; throws a NOT_CONFIGURED `ProviderError` when no key of it is usable on this worker. */
  pool(providerId: string): KeyPool {
    const existing = this.pools.get(providerId);
    if (existing) return existing;
    const { usable, unset } = this.clients.keysOf(providerId);
    if (unset.length > 0) {
      this.options.logger.warn(
        { provider: providerId, keyAliases: unset },
        'provider keys whose variable is not set on this worker are left out of its pool',
      );
    }
    const pool = new KeyPool(providerId, usable, this.options);
    this.pools.set(providerId, pool);
    return pool;
  }
}
