import type { Config } from '../../config';
import type { BudgetLedger, PeriodSpend } from '../../stores/ledger/contract';

/** A tenant's spend in one budget period against its cap. */
export interface PeriodView {
  period: string;
  spent_usd: number;
  cap_usd: number | null;
  /** (committed + reserved) ÷ cap; null without a cap. */
  used_ratio: number | null;
}

export interface TenantSpendView {
  tenant: string;
  daily: PeriodView;
  monthly: PeriodView;
}

function periodView(spend: PeriodSpend): PeriodView {
  const spent = spend.committedUsd + spend.reservedUsd;
  return {
    period: spend.period,
    spent_usd: spent,
    cap_usd: spend.capUsd,
    used_ratio: spend.capUsd ? spent / spend.capUsd : null,
  };
}

/** Today's and this month's spend of every configured tenant, from the budget ledger the workers charge. */
export async function readTenantSpend(config: Config, ledger: BudgetLedger, nowMs: number): Promise<TenantSpendView[]> {
  return Promise.all(
    Object.entries(config.tenants).map(async ([tenant, { budget }]) => {
      const { dailyUsd, monthlyUsd } = budget;
      const spend = await ledger.spend(
        tenant,
        { ...(dailyUsd !== undefined ? { dailyUsd } : {}), ...(monthlyUsd !== undefined ? { monthlyUsd } : {}) },
        nowMs,
      );
      return { tenant, daily: periodView(spend.daily), monthly: periodView(spend.monthly) };
    }),
  );
}
