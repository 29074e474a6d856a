import { ApplicationFailure } from '@temporalio/activity';
import { ReservationClosedError } from '../src/stores/reservation-closed-error';
import type {
  BudgetLedger,
  CacheLookup,
  CommitOutcome,
  ReserveOutcome,
  ResponseCacheStore,
  SpendCaps,
} from '../src/stores/types';
import { RESERVATION_CLOSED } from '../workflows/failure-types';
import type { CachedResponse } from '../workflows/shared';

/** The part of a pino logger the store steps use. */
export interface StoreStepLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface StoreStepDeps {
  cache: ResponseCacheStore<CachedResponse>;
  ledger: BudgetLedger;
  logger: StoreStepLogger;
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

export interface CommitBudgetInput {
  reservationId: string;
  actualUsd: number;
  /** For the overshoot warning; absent in the input of workflows started before it was sent. */
  tenantId?: string;
}

export interface ChargeBudgetInput {
  /** One per paid call, e.g. the flight's run. */
  chargeId: string;
  tenantId: string;
  amountUsd: number;
  /** Workflow time, so a retried charge falls in the same day as the first try. */
  now: number;
}

/** Cache and budget operations of the job workflow; each is idempotent, so Temporal may retry it freely. */
export function createStoreSteps({ cache, ledger, logger }: StoreStepDeps) {
  return {
    /** The cached response, fresh or stale; null on a miss. */
    lookupCache: ({ key }: LookupCacheInput): Promise<CacheLookup<CachedResponse> | null> => cache.get(key),
    storeCache: ({ key, value, ttlSeconds, staleSeconds }: StoreCacheInput): Promise<void> =>
      cache.set(key, value, ttlSeconds, staleSeconds),
    /**
     * Reserves the job's estimate. A reservation id that is already committed or released fails for good
     * (non-retryable): no retry can reopen it, and answering `ok` would let the job run without charging it.
     */
    async reserveBudget(input: ReserveBudgetInput): Promise<ReserveOutcome> {
      try {
        return await ledger.reserve({
          jobId: input.reservationId,
          tenantId: input.tenantId,
          amountUsd: input.amountUsd,
          caps: input.caps,
          now: input.now,
        });
      } catch (err) {
        if (!(err instanceof ReservationClosedError)) throw err;
        throw ApplicationFailure.create({
          type: RESERVATION_CLOSED,
          message: `${err.message} Submit the request again under a new job id (or a new Idempotency-Key).`,
          nonRetryable: true,
          details: [{ reservationId: err.reservationId, state: err.state }],
        });
      }
    },
    /**
     * Charges the real cost. A cost above the reservation is still charged (the provider was paid), and
     * logged as a warning: the reservation was meant to bound it, so an overshoot means a request reached a
     * provider without the limit its estimate assumed, or a price or estimate is wrong.
     */
    async commitBudget({ reservationId, actualUsd, tenantId }: CommitBudgetInput): Promise<CommitOutcome> {
      const outcome = await ledger.commit(reservationId, actualUsd);
      if (outcome.overshootUsd > 0) {
        logger.warn(
          { reservationId, tenantId, ...outcome },
          'budget commit above its reservation: the job cost more than was reserved',
        );
      }
      return outcome;
    },
    releaseBudget: ({ reservationId }: { reservationId: string }): Promise<void> => ledger.release(reservationId),
    /**
     * Books a cost already incurred (a flight's call): a reservation without caps, committed at once, in one
     * step. Idempotent: a workflow replayed after a crash runs it again, and finding the charge already
     * committed is success, not a reused reservation.
     */
    async chargeBudget(input: ChargeBudgetInput): Promise<void> {
      try {
        await ledger.reserve({
          jobId: input.chargeId,
          tenantId: input.tenantId,
          amountUsd: input.amountUsd,
          caps: {},
          now: input.now,
        });
      } catch (err) {
        if (err instanceof ReservationClosedError && err.state === 'committed') return;
        throw err;
      }
      await ledger.commit(input.chargeId, input.amountUsd);
    },
  };
}
