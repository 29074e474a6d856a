import { Router } from 'express';
import type { Config } from '../../config';
import { guardStore } from '../../stores/shared/store-unavailable';
import type { BudgetLedger } from '../../stores/ledger/contract';
import { adminAuth, tenantAuth, tenantOf } from '../auth';
import { ownEntry } from '../../config/own-entry';
import { HttpError } from '../http-error';

/** `GET /v1/spend`: the caller's spend today and this month against its caps; operators read any tenant's. */
export function spendRouter(config: Config, ledger: BudgetLedger): Router {
  const router = Router();
  const report = async (tenantId: string) => {
    const tenant = ownEntry(config.tenants, tenantId);
    if (!tenant) throw new HttpError(404, 'tenant_not_found', `No tenant ${tenantId}.`);
    const { dailyUsd, monthlyUsd } = tenant.budget;
    // Fails closed: a spend report read from nowhere would be a wrong report (503 while the ledger is down).
    return guardStore('ledger', () =>
      ledger.spend(
        tenantId,
        { ...(dailyUsd !== undefined ? { dailyUsd } : {}), ...(monthlyUsd !== undefined ? { monthlyUsd } : {}) },
        Date.now(),
      ),
    );
  };
  router.get('/v1/spend', tenantAuth(config), async (_req, res) => {
    res.json(await report(tenantOf(res)));
  });
  router.get('/v1/admin/tenants/:tenant/spend', adminAuth(config), async (req, res) => {
    res.json(await report(String(req.params.tenant)));
  });
  return router;
}
