import type { TenantConfig } from '../config';
import type { RateCounter, RateCounterStore } from '../stores/counters/contract';
import { guardStore } from '../stores/shared/store-unavailable';
import type { ApiMetrics } from '../telemetry/api-metrics';
import { HttpError } from './http-error';

interface TenantLimiters {
  requests?: RateCounter;
  tokens?: RateCounter;
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
  /** Whether the tenant has a limit at all: an unlimited tenant's `consume` does nothing. */
  isLimited(tenantId: string): boolean;
}

const WINDOW_SECONDS = 60;

/** The limiters' store as `/readyz` and the 503 name it. */
const RATE_LIMIT_STORE = 'rateLimits';

/**
 * Builds the tenants' rate limiters on the shared counters store (SQLite file or Redis), so a limit holds
 * across every API process sharing it rather than multiplying by the number of processes. The limiter
 * borrows the store: whoever opened it closes it.
 */
export function createTenantRateLimiter(
  tenants: Record<string, TenantConfig>,
  counters: RateCounterStore,
): TenantRateLimiter {
  const limited = Object.entries(tenants).filter(
    ([, t]) => t.limits.requestsPerMinute !== undefined || t.limits.tokensPerMinute !== undefined,
  );
  if (limited.length === 0) {
    return { consume: () => Promise.resolve(), ping: () => Promise.resolve(), isLimited: () => false };
  }

  const limiters = new Map<string, TenantLimiters>();
  for (const [id, tenant] of limited) {
    const { requestsPerMinute, tokensPerMinute } = tenant.limits;
    limiters.set(id, {
      ...(requestsPerMinute
        ? { requests: counters.counter(`switchyard:rl:requests:${id}`, requestsPerMinute, WINDOW_SECONDS) }
        : {}),
      ...(tokensPerMinute
        ? { tokens: counters.counter(`switchyard:rl:tokens:${id}`, tokensPerMinute, WINDOW_SECONDS) }
        : {}),
    });
  }

  return {
    async consume(tenantId, tokens) {
      const tenant = limiters.get(tenantId);
      if (!tenant) return;
      await guardStore(RATE_LIMIT_STORE, async () => {
        if (tenant.requests) await takeOrReject(tenant.requests, tenantId, 1, 'requests per minute');
        // A request larger than the whole per-minute budget could never pass: it is charged the whole budget instead.
        if (tenant.tokens)
          await takeOrReject(tenant.tokens, tenantId, Math.min(tokens, tenant.tokens.limit), 'tokens per minute');
      });
    },
    ping: () => guardStore(RATE_LIMIT_STORE, () => counters.ping()),
    isLimited: (tenantId) => limiters.has(tenantId),
  };
}

async function takeOrReject(counter: RateCounter, key: string, points: number, name: string) {
  const taken = await counter.take(key, points);
  if (taken.ok) return;
  const seconds = Math.max(1, Math.ceil(taken.retryInMs / 1000));
  throw new HttpError(
    429,
    'rate_limit_exceeded',
    `Rate limit exceeded: ${counter.limit} ${name}. Retry in ${seconds} s.`,
    {
      headers: { 'retry-after': String(seconds), 'x-ratelimit-limit': String(counter.limit) },
      details: { limit: name, limit_value: counter.limit, retry_after_seconds: seconds },
    },
  );
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
    isLimited: (tenantId) => limiter.isLimited(tenantId),
  };
}
