import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { temporalUnavailable } from '../temporal-errors';

const READINESS_DEADLINE_MS = 2_000;

/** `/healthz`: the process is up. `/readyz`: it can reach Temporal, so it can accept jobs. */
export function healthRouter(client: Client): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await client.connection.withDeadline(Date.now() + READINESS_DEADLINE_MS, () =>
        client.workflowService.getSystemInfo({}),
      );
    } catch {
      throw temporalUnavailable();
    }
    res.json({ status: 'ready' });
  });
  return router;
}
