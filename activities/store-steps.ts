import type { BudgetLedger, CacheLookup, ReserveOutcome, ResponseCacheStore, SpendCaps } from '../src/stores/types';
import type { CachedResponse } from '../workflows/shared';

export interface StoreStepDeps {
  cache: ResponseCacheStore<CachedResponse>;
  ledger: BudgetLedger;
}

export interface LookupCacheInput {
  key: string;
}

export interface StoreCacheInput {
  key: string;
  value: CachedResponse;
  ttlSeconds: number;
  staleSeconds: number;
}

export interface ReserveBudgetInput {
  /** The job id, or a derived id for a second reservation of the same job (downgrade). */
  reservationId: string;
  tenantId: string;
  amountUsd: number;
  caps: SpendCaps;
  /** Workflow time, so a retried reservation falls in the same day as the first try. */
  now: number;
}

/** Cache and budget operations of the job workflow; each is idempotent, so Temporal may retry it freely. */
export function createStoreSteps({ cache, ledger }: StoreStepDeps) {
  return {
    /** The cached response, fresh or stale; null on a miss. */
    lookupCache: ({ key }: LookupCacheInput): Promise<CacheLookup<CachedResponse> | null> => cache.get(key),
    storeCache: ({ key, value, ttlSeconds, staleSeconds }: StoreCacheInput): Promise<void> =>
      cache.set(key, value, ttlSeconds, staleSeconds),
    reserveBudget: (input: ReserveBudgetInput): Promise<ReserveOutcome> =>
      ledger.reserve({
        jobId: input.reservationId,
        tenantId: input.tenantId,
        amountUsd: input.amountUsd,
        caps: input.caps,
        now: input.now,
      }),
    commitBudget: ({ reservationId, actualUsd }: { reservationId: string; actualUsd: number }): Promise<void> =>
      ledger.commit(reservationId, actualUsd),
    releaseBudget: ({ reservationId }: { reservationId: string }): Promise<void> => ledger.release(reservationId),
  };
}
