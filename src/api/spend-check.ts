import type { SpendCaps } from '../contract/activities';
import type { BudgetLedger } from '../stores/ledger/contract';
import { guardStore } from '../stores/shared/store-unavailable';
import { HttpError } from './http-error';

/**
 * A 402 `budget_exceeded` for work whose worst case would take the tenant past a cap on its current spend, before
 * anything is queued or sent. The work reserves again, atomically, when it runs: this check only spares it a
 * start that the reservation would refuse anyway.
 */
export async function refuseOverCap(
  ledger: BudgetLedger,
  tenantId: string,
  caps: SpendCaps,
  amountUsd: number,
  what: string,
): Promise<void> {
  if (caps.dailyUsd === undefined && caps.monthlyUsd === undefined) return;
  const spend = await guardStore('counters', () => ledger.spend(tenantId, caps, Date.now()));
  for (const period of [spend.daily, spend.monthly]) {
    if (period.capUsd === null) continue;
    const used = period.committedUsd + period.reservedUsd;
    if (used + amountUsd > period.capUsd) {
      throw new HttpError(
        402,
        'budget_exceeded',
        `${what} would exceed the spending cap of $${period.capUsd} for ${period.period} (already used: $${used.toFixed(4)}; this may cost up to $${amountUsd.toPrecision(2)}).`,
      );
    }
  }
}
