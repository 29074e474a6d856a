import type { StoreUrl } from '../../contract/store-url';
import { connectRedis, type RedisConnectionOptions } from '../shared/redis-connection';
import { openSqliteDatabase } from '../shared/sqlite-database';
import type { BudgetLedger, LedgerSettings } from './contract';
import { SqliteBudgetLedger } from './sqlite';

/** Opens the budget ledger at `url`, on SQLite or Redis. `close()` gives this ledger's share of the connection back. */
export async function createBudgetLedger(
  url: StoreUrl,
  settings: LedgerSettings = {},
  connection: RedisConnectionOptions = {},
): Promise<BudgetLedger> {
  if (url.kind === 'sqlite') {
    const database = openSqliteDatabase(url.path);
    try {
      return new SqliteBudgetLedger(database, settings);
    } catch (err) {
      database.release();
      throw err;
    }
  }
  // Loaded only for Redis: a deployment on SQLite files never loads the Redis client.
  const { RedisBudgetLedger } = await import('./redis');
  return new RedisBudgetLedger(await connectRedis(url.url, connection), settings);
}
