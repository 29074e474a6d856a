import type { ChatRequest } from '../contract/chat';
import type { BatchJobItems, SubmittedBatch } from '../contract/batch-job';
import type { CachedEmbedding } from '../contract/cached-embedding';
import type { StoredFile } from '../contract/stored-file';
import type { EmbedTextsResult } from '../contract/embedding-batch';
import type { CachedResponse } from '../contract/job';
import type { ProviderCallResult } from '../contract/provider-call';
import type { StoreUrl } from '../contract/store-url';
import type { ResponseCacheStore } from './cache/contract';
import { createResponseCache } from './cache/open';
import type { CircuitSettings, CircuitStore } from './circuits/contract';
import { createCircuitStore } from './circuits/open';
import type { RateCounterStore } from './counters/contract';
import { createRateCounterStore } from './counters/open';
import type { KeyStateStore } from './key-state/contract';
import { createKeyStateStore } from './key-state/open';
import type { BudgetLedger } from './ledger/contract';
import type { CancelMark } from './cancel-marks';
import { createBudgetLedger } from './ledger/open';
import type { StreamSettings, StreamStore } from './streams/contract';
import { createStreamStore } from './streams/open';

/** Where stored requests live in the cache store, apart from cached responses. */
const REQUESTS_NAMESPACE = 'switchyard:requests';
/** Where provider answers are journaled for activity retries. */
const CALLS_NAMESPACE = 'switchyard:calls';
/** Where embedding vectors are cached, by model and text. */
const EMBEDDINGS_NAMESPACE = 'switchyard:embeddings';
/** Where embeddings answers are journaled for activity retries. */
const EMBEDDING_CALLS_NAMESPACE = 'switchyard:embedding-calls';
/** Where uploaded batch files and batch jobs' output files are kept. */
const FILES_NAMESPACE = 'switchyard:files';
/** Where submitted provider batches are journaled for activity retries. */
const BATCH_CALLS_NAMESPACE = 'switchyard:batch-calls';
/** Where batch jobs' prepared requests are kept. */
const BATCH_ITEMS_NAMESPACE = 'switchyard:batch-items';
/** Where the API marks jobs it has asked Temporal to cancel. */
const CANCELLATIONS_NAMESPACE = 'switchyard:cancellations';

/** Where the shared stores live and their settings, already validated by whoever read the configuration. */
export interface SharedStoreOptions {
  /** The response cache, stored requests and call journal. */
  cacheUrl: StoreUrl;
  /** The ledger, circuits, key state and rate counters. */
  countersUrl: StoreUrl;
  circuits: CircuitSettings;
  /** The stream store's settings (on CACHE_URL); its defaults when absent. */
  streams?: StreamSettings;
}

/** Every store a process shares with the others: the cache on CACHE_URL, the rest on COUNTERS_URL. */
export interface SharedStores {
  cache: ResponseCacheStore<CachedResponse>;
  /** Requests too large for workflow history, stored once by content and fetched by the activities. */
  requests: ResponseCacheStore<ChatRequest>;
  /** Provider answers kept for the retries of the activity that got them (see `CallJournal`). */
  calls: ResponseCacheStore<ProviderCallResult>;
  /** Cached vectors, one entry per text and model. */
  embeddings: ResponseCacheStore<CachedEmbedding>;
  /** Embeddings answers kept for the retries of the activity that got them (see `CallJournal`). */
  embeddingCalls: ResponseCacheStore<EmbedTextsResult>;
  /** Batch input files and batch jobs' output files. */
  files: ResponseCacheStore<StoredFile>;
  /** Provider batches submitted, kept for the retries of the activity that submitted them. */
  batchCalls: ResponseCacheStore<SubmittedBatch>;
  /** Batch jobs' prepared requests, by job. */
  batchItems: ResponseCacheStore<BatchJobItems>;
  /** Jobs whose cancellation the API requested (see `CancelMarks`). */
  cancellations: ResponseCacheStore<CancelMark>;
  /** Streamed answers' chunks, from the worker that produces them to the API processes that send them. */
  streams: StreamStore;
  ledger: BudgetLedger;
  /** Circuit breakers of the providers' models. */
  circuits: CircuitStore;
  /** Cooldowns, outs and per-key counts of the providers' keys. */
  keyState: KeyStateStore;
  /** Fixed-window counters (the tenants' rate limits). */
  counters: RateCounterStore;
  close(): Promise<void>;
}

/**
 * Opens the shared stores (API and worker processes alike). When one fails to open, those already opened
 * are closed before the error is thrown, so a process that cannot start leaves no connection or file behind.
 */
export async function openSharedStores(options: SharedStoreOptions): Promise<SharedStores> {
  const opened: Array<{ close(): Promise<void> }> = [];
  const open = async <T extends { close(): Promise<void> }>(store: Promise<T>): Promise<T> => {
    const value = await store;
    opened.push(value);
    return value;
  };
  const closeAll = async () => {
    // Last opened first; every store is closed even if another one's close fails, and the first failure is thrown.
    let failure: Error | undefined;
    for (const store of [...opened].reverse()) {
      try {
        await store.close();
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    if (failure) throw failure;
  };
  try {
    const { cacheUrl, countersUrl } = options;
    const stores: Omit<SharedStores, 'close'> = {
      cache: await open(createResponseCache<CachedResponse>(cacheUrl)),
      requests: await open(createResponseCache<ChatRequest>(cacheUrl, { namespace: REQUESTS_NAMESPACE })),
      calls: await open(createResponseCache<ProviderCallResult>(cacheUrl, { namespace: CALLS_NAMESPACE })),
      embeddings: await open(createResponseCache<CachedEmbedding>(cacheUrl, { namespace: EMBEDDINGS_NAMESPACE })),
      embeddingCalls: await open(
        createResponseCache<EmbedTextsResult>(cacheUrl, { namespace: EMBEDDING_CALLS_NAMESPACE }),
      ),
      files: await open(createResponseCache<StoredFile>(cacheUrl, { namespace: FILES_NAMESPACE })),
      batchCalls: await open(createResponseCache<SubmittedBatch>(cacheUrl, { namespace: BATCH_CALLS_NAMESPACE })),
      batchItems: await open(createResponseCache<BatchJobItems>(cacheUrl, { namespace: BATCH_ITEMS_NAMESPACE })),
      cancellations: await open(createResponseCache<CancelMark>(cacheUrl, { namespace: CANCELLATIONS_NAMESPACE })),
      streams: await open(createStreamStore(cacheUrl, options.streams)),
      ledger: await open(createBudgetLedger(countersUrl)),
      circuits: await open(createCircuitStore(countersUrl, options.circuits)),
      keyState: await open(createKeyStateStore(countersUrl)),
      counters: await open(createRateCounterStore(countersUrl)),
    };
    return { ...stores, close: closeAll };
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }
}
