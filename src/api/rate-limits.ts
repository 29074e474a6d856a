import { RateLimiterRedis, RateLimiterRes, RateLimiterSQLite, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { connectRedis } from '../stores/redis-connection';
import { openSqliteDatabase } from '../stores/sqlite-database';
import { guardStore } from '../stores/store-unavailable';
import { parseStoreUrl } from '../stores/store-url';
import type { ApiMetrics } from '../telemetry/api-metrics';
import { HttpError } from './http-error';

interface TenantLimiters {
  requests?: RateLimiterAbstract;
  tokens?: RateLimiterAbstract;
}

/** Per-tenant requests/minute and tokens/minute, counted in the shared counters store. */
export interface TenantRateLimiter {
  /**
   * Counts one request of `tokens` (estimated) for the tenant, or throws a 429 naming the limit. Fails
   * closed: while the counters store is down it throws a `StoreUnavailableError` (503), since a limit
   * that silently stopped holding would let one tenant take every provider key's quota.
   */
  consume(tenantId: string, tokens: number): Promise<void>;
  /** Rejects when the limiters' store cannot be reached; resolves at once when no tenant is limited. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const WINDOW_SECONDS = 60;

/** The limiters' store as `/readyz` and the 503 name it. */
const RATE_LIMIT_STORE = 'rateLimits';

/**
 * Builds the rate limiters on the counters store (SQLite file or Redis), so a limit holds across every
 * API process sharing it rather than multiplying by the number of processes.
 */
export async function createTenantRateLimiter(config: Config): Promise<TenantRateLimiter> {
  const limited = Object.entries(config.tenants).filter(
    ([, t]) => t.limits.requestsPerMinute !== undefined || t.limits.tokensPerMinute !== undefined,
  );
  if (limited.length === 0) {
    return { consume: () => Promise.resolve(), ping: () => Promise.resolve(), close: () => Promise.resolve() };
  }

  const url = parseStoreUrl('COUNTERS_URL', config.stores.countersUrl);
  let build: (keyPrefix: string, points: number) => RateLimiterAbstract;
  let close: () => Promise<void> | void;
  let ping: () => Promise<void>;
  if (url.kind === 'sqlite') {
    const shared = openSqliteDatabase(url.path);
    build = (keyPrefix, points) =>
      new RateLimiterSQLite({
        storeClient: shared.db,
        storeType: 'better-sqlite3',
        tableName: 'switchyard_rate_limits',
        keyPrefix,
        points,
        duration: WINDOW_SECONDS,
      });
    close = () => shared.release();
    ping = () => shared.ping();
  } else {
    const shared = await connectRedis(url.url);
    build = (keyPrefix, points) =>
      new RateLimiterRedis({
        storeClient: shared.client,
        useRedisPackage: true,
        keyPrefix,
        points,
        duration: WINDOW_SECONDS,
      });
    close = () => shared.release();
    ping = () => shared.ping();
  }

  const limiters = new Map<string, TenantLimiters>();
  for (const [id, tenant] of limited) {
    const { requestsPerMinute, tokensPerMinute } = tenant.limits;
    limiters.set(id, {
      ...(requestsPerMinute ? { requests: build(`switchyard:rl:requests:${id}`, requestsPerMinute) } : {}),
      ...(tokensPerMinute ? { tokens: build(`switchyard:rl:tokens:${id}`, tokensPerMinute) } : {}),
    });
  }

  return {
    async consume(tenantId, tokens) {
      const tenant = limiters.get(tenantId);
      if (!tenant) return;
      await guardStore(RATE_LIMIT_STORE, async () => {
        if (tenant.requests) await consumeOrReject(tenant.requests, tenantId, 1, 'requests per minute');
        // A request larger than the whole per-minute budget could never pass: it is charged the whole budget instead.
        if (tenant.tokens)
          await consumeOrReject(tenant.tokens, tenantId, Math.min(tokens, tenant.tokens.points), 'tokens per minute');
      });
    },
    ping: () => guardStore(RATE_LIMIT_STORE, ping),
    async close() {
      await close();
    },
  };
}

async function consumeOrReject(limiter: RateLimiterAbstract, key: string, points: number, name: string) {
  try {
    await limiter.consume(key, points);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    throw new HttpError(
      429,
      'rate_limit_exceeded',
      `Rate limit exceeded: ${limiter.points} ${name}. Retry in ${seconds} s.`,
      {
        headers: { 'retry-after': String(seconds), 'x-ratelimit-limit': String(limiter.points) },
        details: { limit: name, limit_value: limiter.points, retry_after_seconds: seconds },
      },
    );
  }
}

/** Counts every refusal of `limiter` in the API's metrics. */
export function countedRateLimiter(limiter: TenantRateLimiter, metrics: ApiMetrics): TenantRateLimiter {
  return {
    async consume(tenantId, tokens) {
      try {
        await limiter.consume(tenantId, tokens);
      } catch (err) {
        if (err instanceof HttpError && err.status === 429) {
          const limit = err.extra.details?.limit;
          metrics.rateLimited.inc({ tenant: tenantId, limit: typeof limit === 'string' ? limit : 'unknown' });
        }
        throw err;
      }
    },
    ping: () => limiter.ping(),
    close: () => limiter.close(),
  };
}
