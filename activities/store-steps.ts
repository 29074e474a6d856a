import { ApplicationFailure, Context } from '@temporalio/activity';
import { ReservationClosedError } from '../src/stores/ledger/reservation-closed-error';
import type { ChargeBudgetInput, CommitBudgetInput, ReserveBudgetInput, StoreSteps } from '../src/contract/activities';
import type { ResponseCacheStore } from '../src/stores/cache/contract';
import type { BudgetLedger } from '../src/stores/ledger/contract';
import { RESERVATION_CLOSED } from '../src/contract/failure-types';
import type { CachedResponse } from '../src/contract/job';

/** The part of a pino logger the store steps use. */
export interface StoreStepLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface StoreStepDeps {
  cache: ResponseCacheStore<CachedResponse>;
  ledger: BudgetLedger;
  logger: StoreStepLogger;
}

/** Cache and budget operations of the job workflow; each is idempotent, so Temporal may retry it freely. */
export function createStoreSteps({
  cache,
  ledger,
  logger,
}: StoreStepDeps): Omit<StoreSteps, 'admitCircuit' | 'reserveAndAdmit' | 'reserveEach' | 'settleEach'> {
  return {
    /** The cached response, fresh or stale; null on a miss. */
    lookupCache: ({ key }) => cache.get(key),
    storeCache: ({ key, value, ttlSeconds, staleSeconds }) => cache.set(key, value, ttlSeconds, staleSeconds),
    /**
     * Reserves the job's estimate. A reservation id that is already committed or released fails for good
     * (non-retryable): no retry can reopen it, and answering `ok` would let the job run without charging it.
     */
    async reserveBudget(input: ReserveBudgetInput) {
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
        if (err.state === 'committed' && isOwnRun(input.reservationId)) {
          // This run's own reservation, committed by an earlier execution of its workflow task whose completion
          // Temporal never received (the worker died): the re-run finds the call in the journal, and its commit
          // answers as the first one did. No new money moves.
          return { ok: true as const, reservedUsd: 0 };
        }
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
    async commitBudget({ reservationId, actualUsd, tenantId }: CommitBudgetInput) {
      const outcome = await ledger.commit(reservationId, actualUsd);
      if (outcome.overshootUsd > 0) {
        logger.warn(
          { reservationId, tenantId, ...outcome },
          'budget commit above its reservation: the job cost more than was reserved',
        );
      }
      return outcome;
    },
    releaseBudget: ({ reservationId }) => ledger.release(reservationId),
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

/** Whether a reservation id is keyed by the run of the workflow calling (`<job>@<run>`, see `aiJob`). */
function isOwnRun(reservationId: string): boolean {
  if (!inActivity()) return false;
  const runId = Context.current().info.workflowExecution?.runId;
  return runId !== undefined && reservationId.includes(`@${runId}`);
}

function inActivity(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}
