import type * as RedisModule from '@redis/client';

let loaded: typeof RedisModule | undefined;

/**
 * `@redis/client`, loaded on first use: a deployment whose stores are SQLite files never pays for it (hundreds
 * of modules, some 16 MB of memory in each process).
 */
export function redisModule(): typeof RedisModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, see above
  loaded ??= require('@redis/client') as typeof RedisModule;
  return loaded;
}

/**
 * The module when anything in this process has loaded it (this file or another importer); until then, no error
 * can come from node-redis.
 */
export function loadedRedisModule(): typeof RedisModule | undefined {
  loaded ??= require.cache[require.resolve('@redis/client')]?.exports as typeof RedisModule | undefined;
  return loaded;
}
