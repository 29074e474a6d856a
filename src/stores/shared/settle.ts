/**
 * Runs a synchronous call (better-sqlite3 is synchronous) and returns its outcome as a promise, so a
 * failure rejects like any asynchronous store's instead of throwing at the call site.
 */
export function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
