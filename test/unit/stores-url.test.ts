import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeStoreUrl,
  openSqliteDatabase,
  parseStoreUrl,
  StoreUrlError,
  usdToNanos,
  utcPeriods,
} from '../../src/stores';

describe('store URLs', () => {
  test('an absolute sqlite URL names that file', () => {
    expect(parseStoreUrl('CACHE_URL', 'sqlite:///var/lib/switchyard/cache.db')).toEqual({
      kind: 'sqlite',
      path: '/var/lib/switchyard/cache.db',
    });
  });

  test('a relative sqlite URL resolves against the working directory', () => {
    expect(parseStoreUrl('CACHE_URL', 'sqlite://.data/cache.sqlite', '/srv/app')).toEqual({
      kind: 'sqlite',
      path: '/srv/app/.data/cache.sqlite',
    });
  });

  test('sqlite::memory: is an in-memory database', () => {
    expect(parseStoreUrl('CACHE_URL', 'sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  test.each([
    'redis://127.0.0.1:6379',
    'redis://cache.internal:6380/2',
    'redis://user:secret@cache.internal:6379/0',
    'rediss://cache.example.com:6380',
  ])('%s is a Redis URL kept as written', (url) => {
    expect(parseStoreUrl('COUNTERS_URL', url)).toEqual({ kind: 'redis', url });
  });

  test.each([
    ['', 'is empty'],
    ['postgres://db/switchyard', 'is not a sqlite:// or redis:// URL'],
    ['.data/cache.sqlite', 'is not a sqlite:// or redis:// URL'],
    ['sqlite://', 'has no database file path'],
    ['sqlite://.data/', 'names a directory'],
    ['redis://cache.internal:6379/cache', 'has a path that is not a database number'],
    ['redis://cache.internal:6379?tls=1', 'has query or fragment parts'],
    ['redis://:6379', 'is not a valid URL'],
  ])('%j is refused with an error naming the variable', (value, reason) => {
    let error: unknown;
    try {
      parseStoreUrl('CACHE_URL', value);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreUrlError);
    expect((error as StoreUrlError).message).toContain(`CACHE_URL ${reason}`);
    expect((error as StoreUrlError).message).toContain('sqlite:///absolute/path.db');
  });

  test('a refused URL does not echo its password, and neither does the description of a Redis store', () => {
    expect(() => parseStoreUrl('CACHE_URL', 'redis://user:hunter2@cache:6379/db')).toThrow(
      /redis:\/\/\*\*\*@cache:6379\/db/,
    );
    expect(() => parseStoreUrl('CACHE_URL', 'redis://user:hunter2@cache:6379/db')).not.toThrow(/hunter2/);
    expect(describeStoreUrl({ kind: 'redis', url: 'redis://user:hunter2@cache:6379' })).toBe('redis://***@cache:6379');
  });
});

describe('ledger units', () => {
  test('dollar amounts become integer nano-dollars, so a hundred cents add up to exactly one dollar', () => {
    expect(usdToNanos('amount', 0.01)).toBe(10_000_000);
    expect(Array.from({ length: 100 }, () => usdToNanos('amount', 0.01)).reduce((a, b) => a + b)).toBe(1_000_000_000);
    expect(usdToNanos('amount', 0.1 + 0.2)).toBe(300_000_000);
    // A cheap call's cost keeps its precision: gpt-4o-mini answers cost millionths of a dollar.
    expect(usdToNanos('amount', 0.0000096)).toBe(9_600);
  });

  test('reservations round up, so a tiny amount is never charged as nothing', () => {
    expect(usdToNanos('amount', 0.0000000001, 'up')).toBe(1);
    expect(usdToNanos('amount', 0.07, 'up')).toBe(70_000_000);
    expect(usdToNanos('amount', 0, 'up')).toBe(0);
  });

  test('negative and non-finite amounts are refused', () => {
    expect(() => usdToNanos('amountUsd', -1)).toThrow(RangeError);
    expect(() => usdToNanos('amountUsd', Number.NaN)).toThrow(/amountUsd/);
    expect(() => usdToNanos('amountUsd', Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  test('periods are the UTC day and month, whatever the local time zone', () => {
    expect(utcPeriods(Date.UTC(2026, 10, 30, 23, 59, 59, 999))).toEqual({ day: '2026-11-30', month: '2026-11' });
    expect(utcPeriods(Date.UTC(2026, 11, 1))).toEqual({ day: '2026-12-01', month: '2026-12' });
  });
});

describe('shared SQLite connections', () => {
  test('users of one file share a WAL connection that stays open until the last of them releases it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'switchyard-sqlite-')), 'nested', 'dir', 'store.db');
    const first = openSqliteDatabase(path);
    const second = openSqliteDatabase(path);
    expect(second.db).toBe(first.db);
    expect(first.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(first.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(first.db.pragma('busy_timeout', { simple: true })).toBe(5000);

    first.release();
    first.release(); // a second release of the same share must not take the other user's share
    expect(second.db.open).toBe(true);
    expect(second.db.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });

    second.release();
    expect(second.db.open).toBe(false);
    const third = openSqliteDatabase(path);
    expect(third.db).not.toBe(first.db);
    expect(third.db.open).toBe(true);
    third.release();
  });
});
