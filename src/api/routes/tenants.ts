import { Router } from 'express';
import type { Config } from '../../config';
import { guardStore } from '../../stores/shared/store-unavailable';
import type { BudgetLedger } from '../../stores/ledger/contract';
import { adminAuth } from '../auth';

/**
 * `GET /v1/admin/tenants` (operator key): every configured tenant with its caps, rate limits and what it spent
 * today and this month (charged jobs; reservations of running jobs are in `GET /v1/admin/tenants/:id/spend`).
 */
export function tenantsRouter(config: Config, ledger: BudgetLedger): Router {
  const router = Router();
  router.get('/v1/admin/tenants', adminAuth(config), async (_req, res) => {
    const now = Date.now();
    // Fails closed, like the spend report: a list of tenants with made-up spend would mislead (503 while down).
    const data = await guardStore('ledger', () =>
      Promise.all(
        Object.entries(config.tenants).map(async ([id, tenant]) => {
          const { dailyUsd, monthlyUsd, onExceeded } = tenant.budget;
          const spend = await ledger.spend(
            id,
            { ...(dailyUsd !== undefined ? { dailyUsd } : {}), ...(monthlyUsd !== undefined ? { monthlyUsd } : {}) },
            now,
          );
          const { requestsPerMinute, tokensPerMinute } = tenant.limits;
          const limited = requestsPerMinute !== undefined || tokensPerMinute !== undefined;
          return {
            id,
            budget: { daily_usd: dailyUsd ?? null, monthly_usd: monthlyUsd ?? null, on_cap: onExceeded },
            rate_limit: limited
              ? { requests_per_minute: requestsPerMinute ?? null, tokens_per_minute: tokensPerMinute ?? null }
              : null,
            spend: {
              today_usd: spend.daily.committedUsd,
              month_usd: spend.monthly.committedUsd,
            },
          };
        }),
      ),
    );
    res.json({ object: 'list', data });
  });
  return router;
}
