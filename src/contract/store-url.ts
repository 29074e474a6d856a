import { resolve } from 'node:path';

/** Where a store lives: a SQLite file (or `:memory:`) or a Redis server. */
export type StoreUrl = { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string };

/** A store URL that is none of the accepted forms; the message names the variable that held it. */
export class StoreUrlError extends Error {
  override readonly name = 'StoreUrlError';

  constructor(
    readonly variable: string,
    readonly value: string,
    reason: string,
  ) {
    super(
      `${variable} ${reason}; got "${redactCredentials(value)}". Use sqlite:///absolute/path.db, ` +
        'sqlite://relative/path.db (relative to the working directory), sqlite::memory:, ' +
        'or redis://[user:password@]host:port[/db] (rediss:// for TLS).',
    );
  }
}

/** The in-memory database path better-sqlite3 understands. */
export const SQLITE_MEMORY = ':memory:';

/**
 * Parses a store URL from configuration. `variable` is the setting it came from (e.g. `CACHE_URL`) so
 * the error tells the operator which one to fix. Relative SQLite paths resolve against `cwd`.
 */
export function parseStoreUrl(variable: string, value: string, cwd = process.cwd()): StoreUrl {
  const trimmed = value.trim();
  if (trimmed === '') throw new StoreUrlError(variable, value, 'is empty');
  if (trimmed === 'sqlite::memory:' || trimmed === 'sqlite://:memory:') return { kind: 'sqlite', path: SQLITE_MEMORY };
  if (trimmed.startsWith('sqlite://')) {
    // `sqlite:///abs` keeps its leading slash after the prefix; anything else is relative.
    const path = trimmed.slice('sqlite://'.length);
    if (path === '' || path === '/') throw new StoreUrlError(variable, value, 'has no database file path');
    if (path.endsWith('/')) throw new StoreUrlError(variable, value, 'names a directory, not a database file');
    return { kind: 'sqlite', path: resolve(cwd, path) };
  }
  if (trimmed.startsWith('redis://') || trimmed.startsWith('rediss://')) return parseRedisUrl(variable, trimmed);
  throw new StoreUrlError(variable, value, 'is not a sqlite:// or redis:// URL');
}

function parseRedisUrl(variable: string, value: string): StoreUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StoreUrlError(variable, value, 'is not a valid URL');
  }
  if (url.hostname === '') throw new StoreUrlError(variable, value, 'has no Redis host');
  if (!/^\/?(\d+)?$/.test(url.pathname)) {
    throw new StoreUrlError(variable, value, 'has a path that is not a database number');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new StoreUrlError(variable, value, 'has query or fragment parts, which are not supported');
  }
  return { kind: 'redis', url: value };
}

/** Hides the password of a URL so error messages and logs can show the rest. */
export function redactCredentials(value: string): string {
  return value.replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1***@');
}

/** A store URL for logs: the file path, or the Redis URL without its credentials. */
export function describeStoreUrl(url: StoreUrl): string {
  return url.kind === 'sqlite' ? `sqlite:${url.path}` : redactCredentials(url.url);
}
