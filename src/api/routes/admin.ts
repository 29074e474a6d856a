import { Router } from 'express';
import type { Config } from '../../config';
import type { CircuitStore } from '../../stores/circuits/contract';
import { adminAuth } from '../auth';
import { ownEntry } from '../../config/own-entry';
import { HttpError } from '../http-error';
import type { KeyStateStore } from '../../stores/key-state/contract';

/** Operator endpoints: the providers' circuit breakers and key pools. */
export function adminRouter(config: Config, circuits: CircuitStore, keyState: KeyStateStore): Router {
  const router = Router();
  const providerOf = (id: string) => {
    const provider = ownEntry(config.providers, id);
    if (!provider) throw new HttpError(404, 'provider_not_found', `No provider ${id}.`);
    return provider;
  };

  router.get('/v1/admin/providers/:provider/keys', adminAuth(config), async (req, res) => {
    const providerId = String(req.params.provider);
    const provider = providerOf(providerId);
    const statuses = await keyState.statuses(providerId);
    const now = Date.now();
    const iso = (until: number) => (until > now ? new Date(until).toISOString() : null);
    res.json({
      object: 'list',
      data: provider.keys.map(({ alias, weight }) => {
        const status = statuses.get(alias);
        const outUntil = iso(status?.outUntil ?? 0);
        const cooldownUntil = iso(status?.cooldownUntil ?? 0);
        return {
          alias,
          weight,
          state: outUntil ? 'out' : cooldownUntil ? 'cooling_down' : 'available',
          out_until: outUntil,
          cooldown_until: cooldownUntil,
        };
      }),
    });
  });

  // A key whose quota was topped up (or whose cooldown an operator wants to end) is usable again at once.
  router.post('/v1/admin/providers/:provider/keys/:alias/restore', adminAuth(config), async (req, res) => {
    const providerId = String(req.params.provider);
    const alias = String(req.params.alias);
    if (!providerOf(providerId).keys.some((k) => k.alias === alias)) {
      throw new HttpError(404, 'key_not_found', `Provider ${providerId} has no key alias ${alias}.`);
    }
    await keyState.restore(providerId, alias);
    res.json({ provider: providerId, alias, state: 'available' });
  });

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
