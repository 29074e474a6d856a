import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { STORE_RETRY_AFTER_SECONDS } from '../store-errors';

/** How long each readiness check may take: a store that hangs is as unready as one that refuses. */
const READINESS_DEADLINE_MS = 2_000;

/** One dependency `/readyz` checks: resolves when it answers, rejects (or hangs) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

/**
 * `/healthz`: the process is up. `/readyz`: every part a request may need answers — Temporal and each
 * store in `checks` — each within its own deadline, checked side by side. 200
 * `{"status":"ready","checks":{…}}` when all are `ok`; otherwise 503 with Retry-After and the same body
 * with `"status":"unavailable"`, so an operator sees which part is `down`.
 */
export function healthRouter(client: Client, checks: Record<string, ReadinessCheck> = {}): Router {
  const all: Record<string, ReadinessCheck> = {
    temporal: () =>
      client.connection.withDeadline(Date.now() + READINESS_DEADLINE_MS, () =>
        client.workflowService.getSystemInfo({}),
      ),
    ...checks,
  };
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const names = Object.keys(all);
    const outcomes = await Promise.all(names.map((name) => answersInTime(all[name]!)));
    const results = Object.fromEntries(names.map((name, i) => [name, outcomes[i] ? 'ok' : 'down']));
    if (outcomes.every(Boolean)) {
      res.json({ status: 'ready', checks: results });
      return;
    }
    res.status(503).setHeader('retry-after', String(STORE_RETRY_AFTER_SECONDS));
    res.json({ status: 'unavailable', checks: results });
  });
  return router;
}

async function answersInTime(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READINESS_DEADLINE_MS);
  });
  try {
    return await Promise.race([check().then(() => true), deadline]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
