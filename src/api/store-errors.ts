import { StoreUnavailableError } from '../stores/shared/store-unavailable';
import { HttpError } from './http-error';

/** Seconds a client is asked to wait after a store outage: Redis restarts and failovers take a few. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** The 503 every route answers when a store it needs (cache, ledger, counters) cannot be reached. */
export function storeUnavailable(err: unknown): HttpError {
  const store = err instanceof StoreUnavailableError ? err.store : undefined;
  return new HttpError(
    503,
    'store_unavailable',
    `A store Switchyard needs${store ? ` (${store})` : ''} is unreachable; try again shortly.`,
    {
      headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
      ...(store ? { details: { store } } : {}),
    },
  );
}
