import { guardStore } from '../shared/store-unavailable';
import { STREAMS_STORE, type StreamStore } from './contract';

/**
 * The store with its outages (SQLite file unusable, Redis down) turned into `StoreUnavailableError`, so the API
 * answers 503 and activities retry; other errors (an invalid id, a bad option) pass unchanged.
 */
export function guardStreamStore(store: StreamStore): StreamStore {
  return {
    append: (streamId, data) => guardStore(STREAMS_STORE, () => store.append(streamId, data)),
    read: (streamId, after, options) => guardStore(STREAMS_STORE, () => store.read(streamId, after, options)),
    remove: (streamId) => guardStore(STREAMS_STORE, () => store.remove(streamId)),
    ping: () => guardStore(STREAMS_STORE, () => store.ping()),
    close: () => store.close(),
  };
}
