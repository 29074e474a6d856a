import type { Config } from '../../config';
import { storeOptions } from '../../config/store-options';
import { describeStoreUrl, type StoreUrl } from '../../contract/store-url';
import { createResponseCache } from '../../stores/cache/open';
import { createCircuitStore } from '../../stores/circuits/open';
import { createRateCounterStore } from '../../stores/counters/open';
import { createKeyStateStore } from '../../stores/key-state/open';
import { createBudgetLedger } from '../../stores/ledger/open';
import type { RedisConnectionOptions } from '../../stores/shared/redis-connection';
import { ok, problem, reasonOf, within, type CheckResult } from './check';

const TIMEOUT_MS = 8_000;
/** One quick attempt, and no reconnection log lines in the report. */
const CONNECTION: RedisConnectionOptions = { initialAttempts: 1, logger: { warn: () => undefined } };

interface Closable {
  close(): Promise<void>;
}

/** Opens a store, runs its cheap read, and closes it whatever happened. */
async function probe<T extends Closable>(open: () => Promise<T>, read: (store: T) => Promise<unknown>): Promise<void> {
  const store = await open();
  try {
    await read(store);
  } finally {
    await store.close().catch(() => undefined);
  }
}

function fixFor(variable: string, url: StoreUrl): string {
  return url.kind === 'sqlite'
    ? `Make ${url.path} (its directory) writable for the API and worker users, or point ${variable} at another file (sqlite://path).`
    : `Start Redis at ${describeStoreUrl(url)} (or check its password and TLS settings), or point ${variable} at a reachable Redis (redis://host:port).`;
}

/**
 * Every store the API and worker open, opened with the same factories and URLs, each with a cheap read:
 * the response cache on CACHE_URL; the ledger, circuits, key state and rate counters on COUNTERS_URL.
 */
export async function checkStores(config: Config): Promise<CheckResult[]> {
  const { cacheUrl, countersUrl, circuits } = storeOptions(config);
  const checks: Array<{ name: string; variable: string; url: StoreUrl; run: () => Promise<void> }> = [
    {
      name: 'store cache',
      variable: 'CACHE_URL',
      url: cacheUrl,
      run: () =>
        probe(
          () => createResponseCache(cacheUrl, {}, CONNECTION),
          (s) => s.get('switchyard-doctor-probe'),
        ),
    },
    {
      name: 'store ledger',
      variable: 'COUNTERS_URL',
      url: countersUrl,
      run: () =>
        probe(
          () => createBudgetLedger(countersUrl, {}, CONNECTION),
          (s) => s.spend('switchyard-doctor-probe', {}, Date.now()),
        ),
    },
    {
      name: 'store circuits',
      variable: 'COUNTERS_URL',
      url: countersUrl,
      run: () =>
        probe(
          () => createCircuitStore(countersUrl, circuits, CONNECTION),
          (s) => s.list(),
        ),
    },
    {
      name: 'store key state',
      variable: 'COUNTERS_URL',
      url: countersUrl,
      run: () =>
        probe(
          () => createKeyStateStore(countersUrl, {}, CONNECTION),
          (s) => s.statuses('switchyard-doctor-probe'),
        ),
    },
    {
      name: 'store rate counters',
      variable: 'COUNTERS_URL',
      url: countersUrl,
      run: () =>
        probe(
          () => createRateCounterStore(countersUrl, {}, CONNECTION),
          (s) => s.ping(),
        ),
    },
  ];
  const results: CheckResult[] = [];
  // One after another: stores on one SQLite file or Redis share a connection, and the order keeps the report stable.
  for (const check of checks) {
    const where = `${check.variable}=${describeStoreUrl(check.url)}`;
    try {
      await within(where, TIMEOUT_MS, check.run);
      results.push(ok(check.name, `${where} answers`));
    } catch (err) {
      results.push(problem(check.name, `${where} cannot be read: ${reasonOf(err)}`, fixFor(check.variable, check.url)));
    }
  }
  return results;
}
