import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TargetCpu } from './bench-target';
import { startEngines, type EnginesInUse } from './fleet-engines-source';
import { cpuMs, treeCpuMs, type Pids } from './proc';
import { commandName, listenersOn, portOf, serversOf, topmostNamed } from './socket-owners';
import { startSwitchyard, type Mocks, type SwitchyardProcesses } from './stack';

/** Switchyard processes of each kind on the fleet. */
export const FLEET_WORKERS = 2;
export const FLEET_APIS = 2;

/** Switchyard scaled out on the fleet engines, with what the bench meters. */
export interface FleetStack {
  dir: string;
  engines: EnginesInUse;
  /** The API processes, each on its own port. */
  apiUrls: string[];
  /** `temporal`, `postgres` (the postmaster, when found), `redis`, `api-1`…, `worker-1`… */
  pids: Pids;
  cpu: TargetCpu;
  stop(): Promise<void>;
}

/** The single process listening on `port`. */
function listenerPid(what: string, port: number): number {
  const [pid] = listenersOn(port);
  if (pid === undefined) throw new Error(`no process listens on port ${port} (${what})`);
  return pid;
}

/**
 * The postmaster of the PostgreSQL cluster the Temporal server is connected to: a `postgres` process listening
 * on a port Temporal has connections to. Undefined when Temporal reaches it otherwise (a Unix socket).
 */
function postmasterOf(temporalPid: number): number | undefined {
  const server = serversOf(temporalPid).find((pid) => commandName(pid) === 'postgres');
  return server === undefined ? undefined : topmostNamed(server, 'postgres');
}

/**
 * Starts the fleet engines, then {@link FLEET_WORKERS} workers and {@link FLEET_APIS} APIs on them with
 * `CACHE_URL` and `COUNTERS_URL` on the fleet's Redis, calling the run's mocks.
 */
export async function startFleetStack(mocks: Mocks): Promise<FleetStack> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-fleet-'));
  const engines = await startEngines(join(dir, 'engines'));
  let switchyard: SwitchyardProcesses | undefined;
  const stop = async () => {
    await switchyard?.stop();
    await engines.engines.stop();
  };
  try {
    switchyard = await startSwitchyard({
      dir,
      temporalAddress: engines.engines.temporalAddress,
      mocks,
      cacheUrl: engines.engines.redisUrl,
      countersUrl: engines.engines.redisUrl,
      workers: FLEET_WORKERS,
      apis: FLEET_APIS,
    });
    const temporal = listenerPid('Temporal', portOf(engines.engines.temporalAddress));
    const redis = listenerPid('Redis', portOf(engines.engines.redisUrl));
    const postgres = engines.hasPostgres ? postmasterOf(temporal) : undefined;
    if (engines.hasPostgres && postgres === undefined)
      console.warn('  fleet: PostgreSQL not found among the Temporal server’s TCP peers; its CPU is not counted');
    const node = Object.fromEntries(
      Object.entries(switchyard.pids).map(([name, pid]) => [name, () => cpuMs(pid)] as const),
    );
    return {
      dir,
      engines,
      apiUrls: switchyard.apiUrls,
      pids: { temporal, redis, ...(postgres === undefined ? {} : { postgres }), ...switchyard.pids },
      cpu: {
        temporal: () => treeCpuMs(temporal),
        redis: () => treeCpuMs(redis),
        ...(postgres === undefined ? {} : { postgres: () => treeCpuMs(postgres) }),
        node,
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
