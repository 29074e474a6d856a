/**
 * Where the fleet scenario gets its engines: the real ones (PostgreSQL-backed Temporal with several history
 * shards, and Redis) from test/helpers/fleet-engines.ts, or, while developing the bench without them, a
 * stand-in of the same shape (a second dev server and a throwaway Redis).
 */
import { join } from 'node:path';
import { startDevServer } from '../../test/helpers/dev-server';
import { startFleetEngines, type FleetEngines } from '../../test/helpers/fleet-engines';
import { startRedisServer } from '../../test/helpers/redis-server';

/** History shards the fleet's Temporal runs with. */
export const FLEET_SHARDS = 4;

/** The engines the scenario runs on, and what they are. */
export interface EnginesInUse {
  engines: FleetEngines;
  /** Shown in the scenario's load line and JSON. */
  description: string;
  shards: number;
  /** False for the stand-in: there is no PostgreSQL to look for. */
  hasPostgres: boolean;
}

/**
 * `BENCH_FLEET_ENGINES=stand-in` runs the scenario on a second dev server (SQLite, one shard) and a throwaway
 * Redis instead of the fleet engines: for working on the bench itself on a machine without them; its figures
 * are not the fleet's.
 */
const SOURCE = process.env.BENCH_FLEET_ENGINES ?? 'fleet';

async function startStandIn(dir: string): Promise<FleetEngines> {
  const temporal = await startDevServer({ dbFile: join(dir, 'temporal.db'), fastSqlite: false });
  const redis = await startRedisServer().catch(async (err: unknown) => {
    await temporal.stop();
    throw err;
  });
  const unsupported = () => Promise.reject(new Error('the stand-in engines do not restart'));
  return {
    temporalAddress: temporal.address,
    redisUrl: redis.url,
    restartTemporal: unsupported,
    restartRedis: unsupported,
    stop: async () => {
      await redis.stop();
      await temporal.stop();
    },
  };
}

/**
 * Starts the fleet engines (in their own temporary directory, which their owner must be able to enter) or the
 * stand-in (see {@link SOURCE}, its data under `dir`).
 */
export async function startEngines(dir: string): Promise<EnginesInUse> {
  switch (SOURCE) {
    case 'fleet': {
      return {
        engines: await startFleetEngines({ shards: FLEET_SHARDS, durable: true }),
        // Durable, like the dev server's WAL file beside it: PostgreSQL flushes at commit, Redis every second.
        description: `Temporal on PostgreSQL (fsync on) with ${FLEET_SHARDS} history shards, Redis (appendfsync everysec)`,
        shards: FLEET_SHARDS,
        hasPostgres: true,
      };
    }
    case 'stand-in':
      return {
        engines: await startStandIn(dir),
        description: 'STAND-IN engines (a second dev server on SQLite, 1 shard, and Redis), not the fleet',
        shards: 1,
        hasPostgres: false,
      };
    default:
      throw new Error(`BENCH_FLEET_ENGINES must be "fleet" (the default) or "stand-in", got "${SOURCE}"`);
  }
}
