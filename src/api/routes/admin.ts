import { Router } from 'express';
import type { Config } from '../../config';
import type { CircuitStore } from '../../stores/circuit-store';
import { adminAuth } from '../auth';

/** Operator endpoints: the providers' circuit breakers. */
export function adminRouter(config: Config, circuits: CircuitStore): Router {
  const router = Router();
  router.get('/v1/admin/circuits', adminAuth(config), async (_req, res) => {
    const now = Date.now();
    const list = await circuits.list();
    res.json({
      object: 'list',
      data: list.map((c) => ({
        key: c.key,
        // An open circuit past its cool-down lets the next call through as a probe.
        state: c.phase === 'open' && now >= c.openUntil ? 'half_open' : c.phase,
        open_until: c.phase === 'open' ? new Date(c.openUntil).toISOString() : null,
        opened_at: c.openedAt ? new Date(c.openedAt).toISOString() : null,
        window: { requests: c.requests, failures: c.failures },
        consecutive_failures: c.consecutiveFailures,
      })),
    });
  });
  return router;
}
