import type { Config } from '../../config';
import type { CircuitPhase, CircuitStore } from '../../stores/circuits/contract';
import type { KeyStateStore } from '../../stores/key-state/contract';

/** A key's state as operators see it (the same words as `GET /v1/admin/providers/:provider/keys`). */
export type KeyState = 'available' | 'cooling_down' | 'out';

export interface CircuitView {
  key: string;
  state: CircuitPhase;
  open_until: string | null;
  window: { requests: number; failures: number };
}

export interface KeyView {
  alias: string;
  state: KeyState;
  until: string | null;
}

export interface ProviderView {
  id: string;
  /** The provider's worst circuit: `open` when any of its models' circuits is open. */
  state: CircuitPhase;
  circuits: CircuitView[];
  keys: KeyView[];
}

const WORST: readonly CircuitPhase[] = ['closed', 'half_open', 'open'];

/** The circuits (shared store) and key pools (key-state store) of every configured provider. */
export async function readProviders(
  config: Config,
  circuits: CircuitStore,
  keyState: KeyStateStore,
  nowMs: number,
): Promise<ProviderView[]> {
  const iso = (until: number) => (until > nowMs ? new Date(until).toISOString() : null);
  const all = (await circuits.list()).map((c): CircuitView => ({
    key: c.key,
    // An open circuit past its cool-down lets the next call through as a probe.
    state: c.phase === 'open' && nowMs >= c.openUntil ? 'half_open' : c.phase,
    open_until: c.phase === 'open' ? new Date(c.openUntil).toISOString() : null,
    window: { requests: c.requests, failures: c.failures },
  }));
  return Promise.all(
    Object.entries(config.providers).map(async ([id, provider]): Promise<ProviderView> => {
      const statuses = await keyState.statuses(id);
      const own = all.filter((c) => c.key.startsWith(`${id}:`));
      const worst = Math.max(0, ...own.map((c) => WORST.indexOf(c.state)));
      return {
        id,
        state: WORST[worst] ?? 'closed',
        circuits: own,
        keys: provider.keys.map(({ alias }): KeyView => {
          const status = statuses.get(alias);
          const out = iso(status?.outUntil ?? 0);
          const cooling = iso(status?.cooldownUntil ?? 0);
          return { alias, state: out ? 'out' : cooling ? 'cooling_down' : 'available', until: out ?? cooling };
        }),
      };
    }),
  );
}
