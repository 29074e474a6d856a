import { loadedRedisModule } from './redis-module';

/**
 * A store (cache, ledger, circuits, key state, rate-limit counters) could not be reached or could not
 * serve the operation: Redis is down or restarting, or the SQLite file cannot be read or written. A local
 * condition, distinct from a bug: the API answers 503 with Retry-After, and activities retry.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(
    /** Which store, as `/readyz` names it (e.g. `cache`, `rateLimits`). */
    readonly store: string,
    cause: unknown,
  ) {
    super(`The ${store} store is unavailable: ${messageOf(cause)}`, { cause });
  }
}

/** What node-redis raises while the connection is down (commands fail at once: no offline queue). */
function isRedisConnectionError(err: Error): boolean {
  const redis = loadedRedisModule();
  if (!redis) return false;
  return [
    redis.ClientClosedError,
    redis.ClientOfflineError,
    redis.ConnectionTimeoutError,
    redis.ReconnectStrategyError,
    redis.SocketClosedUnexpectedlyError,
    redis.SocketTimeoutError,
  ].some((type) => err instanceof type);
}

function isRedisNotServing(err: Error): boolean {
  const redis = loadedRedisModule();
  return redis !== undefined && err instanceof redis.ErrorReply && REDIS_NOT_SERVING.test(err.message);
}
// Replies of a server that is up but cannot serve yet (loading its data, replica without a master).
const REDIS_NOT_SERVING = /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY )/;
// SQLite result codes that say the file cannot be used right now, not that the statement is wrong.
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|CORRUPT|NOTADB|PROTOCOL)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * True when `err` (or an error in its cause chain) says a store is down rather than that the request or
 * the code is wrong: a {@link StoreUnavailableError}, a node-redis connection error, a Redis reply of a
 * server not serving yet, a SQLite I/O, lock or open failure, or a closed better-sqlite3 connection.
 */
export function isStoreUnavailable(err: unknown): boolean {
  let current: unknown = err;
  // Shape checks, not `instanceof Error`: native modules may throw errors of another realm (e.g. under jest).
  for (let depth = 0; depth < 5 && isErrorLike(current); depth++) {
    if (current instanceof StoreUnavailableError) return true;
    if (isRedisConnectionError(current) || isRedisNotServing(current)) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (SQLITE_UNAVAILABLE.test(code) || NETWORK_CODES.has(code))) return true;
    // better-sqlite3 throws a plain TypeError for a statement on a closed connection.
    if (current.name === 'TypeError' && /database connection is not open/.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/** Runs a store operation and turns an outage into a {@link StoreUnavailableError} naming `store`. */
export async function guardStore<T>(store: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof StoreUnavailableError || !isStoreUnavailable(err)) throw err;
    throw new StoreUnavailableError(store, err);
  }
}

function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
