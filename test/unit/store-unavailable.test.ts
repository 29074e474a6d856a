import Database from 'better-sqlite3';
import { ClientClosedError, ClientOfflineError, ErrorReply, SocketClosedUnexpectedlyError } from '@redis/client';
import { guardStore, isStoreUnavailable, StoreUnavailableError } from '../../src/stores/shared/store-unavailable';

function sqliteErrorOf(run: (db: Database.Database) => unknown, close = false): unknown {
  const db = new Database(':memory:');
  if (close) db.close();
  try {
    run(db);
  } catch (err) {
    return err;
  } finally {
    if (db.open) db.close();
  }
  throw new Error('expected the statement to fail');
}

describe('telling a store outage from a bug', () => {
  test('node-redis connection errors are outages, also when wrapped as a cause', () => {
    expect(isStoreUnavailable(new ClientOfflineError())).toBe(true);
    expect(isStoreUnavailable(new ClientClosedError())).toBe(true);
    expect(isStoreUnavailable(new Error('limiter failed', { cause: new SocketClosedUnexpectedlyError() }))).toBe(true);
    expect(isStoreUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  test('a Redis server that is loading is an outage; a wrong command is not', () => {
    expect(isStoreUnavailable(new ErrorReply('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isStoreUnavailable(new ErrorReply('ERR unknown command'))).toBe(false);
  });

  test('a closed SQLite connection is an outage; a bad statement is not', () => {
    expect(isStoreUnavailable(sqliteErrorOf((db) => db.prepare('SELECT 1').get(), true))).toBe(true);
    expect(isStoreUnavailable(sqliteErrorOf((db) => db.prepare('SELEKT 1').get()))).toBe(false);
  });

  test('a programming error is not an outage', () => {
    expect(isStoreUnavailable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isStoreUnavailable('a string')).toBe(false);
  });

  test('guardStore names the store of an outage and lets other errors through unchanged', async () => {
    const outage = guardStore('ledger', () => Promise.reject(new ClientOfflineError()));
    await expect(outage).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(guardStore('ledger', () => Promise.reject(new ClientOfflineError()))).rejects.toMatchObject({
      store: 'ledger',
    });
    const bug = new RangeError('amountUsd must be finite');
    await expect(guardStore('ledger', () => Promise.reject(bug))).rejects.toBe(bug);
    await expect(guardStore('ledger', () => Promise.resolve(42))).resolves.toBe(42);
  });
});
