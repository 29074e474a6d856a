import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import Database from 'better-sqlite3';
import { createBudgetLedger, type BudgetLedger, type ReserveInput } from '../../src/stores';
import { ReservationClosedError } from '../../src/stores/ledger/reservation-closed-error';
import { storeKinds } from '../helpers/store-kinds';
import { startPeer } from '../helpers/store-peer';

const stores = storeKinds('switchyard-budget-', 'counters.sqlite');
const { kinds } = stores;

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const NEXT_DAY = Date.UTC(2026, 10, 27, 9, 0, 0);
const NEXT_MONTH = Date.UTC(2026, 11, 1, 0, 0, 0);

describe.each(kinds)('the budget ledger on %s', (_kind, url) => {
  let ledger: BudgetLedger;
  let tenantId: string;

  const reserve = (amountUsd: number, caps: ReserveInput['caps'], now = NOW, jobId = randomUUID()) =>
    ledger.reserve({ jobId, tenantId, amountUsd, caps, now });

  beforeAll(async () => {
    ledger = await createBudgetLedger(url());
  });

  afterAll(async () => {
    await ledger?.close();
  });

  beforeEach(() => {
    tenantId = `tenant-${randomUUID()}`;
  });

  test('a reservation under the caps is accepted and shows as reserved in the day and the month', async () => {
    await expect(reserve(0.25, { dailyUsd: 1, monthlyUsd: 10 })).resolves.toEqual({ ok: true, reservedUsd: 0.25 });
    await expect(ledger.spend(tenantId, { dailyUsd: 1, monthlyUsd: 10 }, NOW)).resolves.toEqual({
      tenantId,
      daily: { period: '2026-11-26', committedUsd: 0, reservedUsd: 0.25, capUsd: 1 },
      monthly: { period: '2026-11', committedUsd: 0, reservedUsd: 0.25, capUsd: 10 },
    });
  });

  test('a tenant without caps can reserve any amount', async () => {
    await expect(reserve(1_000, {})).resolves.toEqual({ ok: true, reservedUsd: 1_000 });
  });

  test('a reservation that would pass the daily cap is refused with the period, the cap and what was used', async () => {
    await reserve(0.6, { dailyUsd: 1 });
    await expect(reserve(0.5, { dailyUsd: 1 })).resolves.toEqual({
      ok: false,
      period: 'daily',
      capUsd: 1,
      usedUsd: 0.6,
    });
    // Exactly reaching the cap is allowed; a refused request reserved nothing.
    await expect(reserve(0.4, { dailyUsd: 1 })).resolves.toEqual({ ok: true, reservedUsd: 0.4 });
    const spend = await ledger.spend(tenantId, { dailyUsd: 1 }, NOW);
    expect(spend.daily.reservedUsd).toBe(1);
    expect(spend.monthly.capUsd).toBeNull();
  });

  test('the daily cap starts again the next UTC day, while the month keeps counting up to its cap', async () => {
    const caps = { dailyUsd: 1, monthlyUsd: 1.5 };
    await expect(reserve(1, caps, NOW)).resolves.toMatchObject({ ok: true });
    await expect(reserve(0.5, caps, NOW)).resolves.toMatchObject({ ok: false, period: 'daily' });
    await expect(reserve(0.5, caps, NEXT_DAY)).resolves.toEqual({ ok: true, reservedUsd: 0.5 });
    await expect(reserve(0.01, caps, NEXT_DAY)).resolves.toEqual({
      ok: false,
      period: 'monthly',
      capUsd: 1.5,
      usedUsd: 1.5,
    });
    await expect(reserve(1, caps, NEXT_MONTH)).resolves.toEqual({ ok: true, reservedUsd: 1 });
  });

  test('the monthly cap counts committed and reserved spending of every day in the month', async () => {
    const caps = { monthlyUsd: 2 };
    const committed = randomUUID();
    await reserve(1.5, caps, NOW, committed);
    await ledger.commit(committed, 1.25);
    await reserve(0.5, caps, NEXT_DAY);
    await expect(reserve(0.5, caps, NEXT_DAY)).resolves.toEqual({
      ok: false,
      period: 'monthly',
      capUsd: 2,
      usedUsd: 1.75,
    });
  });

  test('reserving again under the same job id returns the first outcome and charges nothing more', async () => {
    const jobId = randomUUID();
    await expect(reserve(0.3, { dailyUsd: 1 }, NOW, jobId)).resolves.toEqual({ ok: true, reservedUsd: 0.3 });
    await expect(reserve(0.3, { dailyUsd: 1 }, NOW, jobId)).resolves.toEqual({ ok: true, reservedUsd: 0.3 });
    // Even with another amount: a retried activity must not change what was reserved.
    await expect(reserve(0.9, { dailyUsd: 1 }, NOW, jobId)).resolves.toEqual({ ok: true, reservedUsd: 0.3 });
    expect((await ledger.spend(tenantId, {}, NOW)).daily.reservedUsd).toBe(0.3);
  });

  test('commit replaces the reservation with the real cost, once, and reports it against the reservation', async () => {
    const jobId = randomUUID();
    await reserve(0.5, { dailyUsd: 1 }, NOW, jobId);
    const first = { reservedUsd: 0.5, committedUsd: 0.123456, overshootUsd: 0 };
    await expect(ledger.commit(jobId, 0.123456)).resolves.toEqual(first);
    await expect(ledger.commit(jobId, 0.123456)).resolves.toEqual(first);
    // A second commit with another cost changes nothing either, and answers with the first outcome.
    await expect(ledger.commit(jobId, 0.9)).resolves.toEqual(first);
    const spend = await ledger.spend(tenantId, { dailyUsd: 1 }, NOW);
    expect(spend.daily).toEqual({ period: '2026-11-26', committedUsd: 0.123456, reservedUsd: 0, capUsd: 1 });
    expect(spend.monthly).toMatchObject({ committedUsd: 0.123456, reservedUsd: 0 });
  });

  test('when a commit is above its reservation, the full cost is charged and the overshoot reported, once', async () => {
    const jobId = randomUUID();
    await reserve(0.25, { dailyUsd: 1 }, NOW, jobId);
    const outcome = { reservedUsd: 0.25, committedUsd: 0.75, overshootUsd: 0.5 };
    await expect(ledger.commit(jobId, 0.75)).resolves.toEqual(outcome);
    // A retried commit answers with the same outcome and charges nothing more.
    await expect(ledger.commit(jobId, 0.75)).resolves.toEqual(outcome);
    expect((await ledger.spend(tenantId, {}, NOW)).daily).toMatchObject({ committedUsd: 0.75, reservedUsd: 0 });
  });

  test('when a reservation is already committed, reserving its id again is refused and charges nothing', async () => {
    const jobId = randomUUID();
    await reserve(0.5, { dailyUsd: 1 }, NOW, jobId);
    await ledger.commit(jobId, 0.2);
    const refusal = reserve(0.5, { dailyUsd: 1 }, NOW, jobId);
    await expect(refusal).rejects.toBeInstanceOf(ReservationClosedError);
    await expect(refusal).rejects.toMatchObject({ reservationId: jobId, state: 'committed' });
    expect((await ledger.spend(tenantId, {}, NOW)).daily).toMatchObject({ committedUsd: 0.2, reservedUsd: 0 });
  });

  test('when a reservation is already released, reserving its id again is refused and charges nothing', async () => {
    const jobId = randomUUID();
    await reserve(0.5, { dailyUsd: 1 }, NOW, jobId);
    await ledger.release(jobId);
    await expect(reserve(0.5, { dailyUsd: 1 }, NOW, jobId)).rejects.toMatchObject({
      name: 'ReservationClosedError',
      state: 'released',
      message: expect.stringContaining(jobId),
    });
    expect((await ledger.spend(tenantId, {}, NOW)).daily).toMatchObject({ committedUsd: 0, reservedUsd: 0 });
  });

  test('a job that cost nothing commits 0 and frees its whole reservation', async () => {
    const jobId = randomUUID();
    await reserve(1, { dailyUsd: 1 }, NOW, jobId);
    await ledger.commit(jobId, 0);
    await expect(reserve(1, { dailyUsd: 1 })).resolves.toMatchObject({ ok: true });
  });

  test('release frees the cap for other jobs, and is idempotent', async () => {
    const jobId = randomUUID();
    await reserve(0.8, { dailyUsd: 1 }, NOW, jobId);
    await expect(reserve(0.8, { dailyUsd: 1 })).resolves.toMatchObject({ ok: false, usedUsd: 0.8 });
    await ledger.release(jobId);
    await ledger.release(jobId);
    expect((await ledger.spend(tenantId, {}, NOW)).daily).toMatchObject({ reservedUsd: 0, committedUsd: 0 });
    await expect(reserve(0.8, { dailyUsd: 1 })).resolves.toEqual({ ok: true, reservedUsd: 0.8 });
    expect((await ledger.spend(tenantId, {}, NOW)).daily.reservedUsd).toBe(0.8);
  });

  test('release after commit and commit after release change nothing', async () => {
    const committed = randomUUID();
    const released = randomUUID();
    await reserve(0.5, {}, NOW, committed);
    await reserve(0.25, {}, NOW, released);
    await ledger.commit(committed, 0.4);
    await ledger.release(committed);
    await ledger.release(released);
    await expect(ledger.commit(released, 0.25)).resolves.toEqual({ reservedUsd: 0, committedUsd: 0, overshootUsd: 0 });
    expect((await ledger.spend(tenantId, {}, NOW)).daily).toMatchObject({ committedUsd: 0.4, reservedUsd: 0 });
  });

  test('commit and release of a job that never reserved are no-ops', async () => {
    const nothing = { reservedUsd: 0, committedUsd: 0, overshootUsd: 0 };
    await expect(ledger.commit(`unknown-${randomUUID()}`, 1)).resolves.toEqual(nothing);
    await ledger.release(`unknown-${randomUUID()}`);
    await reserve(0.1, {});
    expect((await ledger.spend(tenantId, {}, NOW)).daily).toMatchObject({ committedUsd: 0, reservedUsd: 0.1 });
  });

  test('spending is reported for the UTC day and month of the time asked, and is zero for an unknown tenant', async () => {
    await reserve(0.2, {}, NOW);
    await reserve(0.3, {}, NEXT_DAY);
    const nextDay = await ledger.spend(tenantId, { dailyUsd: 5 }, NEXT_DAY);
    expect(nextDay.daily).toEqual({ period: '2026-11-27', committedUsd: 0, reservedUsd: 0.3, capUsd: 5 });
    expect(nextDay.monthly).toEqual({ period: '2026-11', committedUsd: 0, reservedUsd: 0.5, capUsd: null });
    await expect(ledger.spend(`nobody-${randomUUID()}`, {}, NEXT_MONTH)).resolves.toEqual({
      tenantId: expect.stringMatching(/^nobody-/),
      daily: { period: '2026-12-01', committedUsd: 0, reservedUsd: 0, capUsd: null },
      monthly: { period: '2026-12', committedUsd: 0, reservedUsd: 0, capUsd: null },
    });
  });

  test('negative amounts are refused before anything is reserved', async () => {
    await expect(reserve(-1, {})).rejects.toThrow(/amountUsd/);
    const jobId = randomUUID();
    await reserve(0.1, {}, NOW, jobId);
    await expect(ledger.commit(jobId, -0.1)).rejects.toThrow(/actualUsd/);
    expect((await ledger.spend(tenantId, {}, NOW)).daily.reservedUsd).toBe(0.1);
  });

  test('tenants do not share spending', async () => {
    await reserve(1, { dailyUsd: 1 });
    const other = `tenant-${randomUUID()}`;
    await expect(
      ledger.reserve({ jobId: randomUUID(), tenantId: other, amountUsd: 1, caps: { dailyUsd: 1 }, now: NOW }),
    ).resolves.toMatchObject({ ok: true });
  });

  test('a job is forgotten after the retention period: reserving it again is a new reservation', async () => {
    const jobId = randomUUID();
    const first = await createBudgetLedger(url(), { jobRetentionSeconds: 1 });
    await first.reserve({ jobId, tenantId, amountUsd: 0.1, caps: {}, now: NOW });
    await first.close();
    await new Promise((r) => setTimeout(r, 1_500));
    const later = await createBudgetLedger(url(), { jobRetentionSeconds: 1 });
    try {
      await later.reserve({ jobId, tenantId, amountUsd: 0.1, caps: {}, now: NOW });
      expect((await later.spend(tenantId, {}, NOW)).daily.reservedUsd).toBe(0.2);
    } finally {
      await later.close();
    }
  });

  test('200 concurrent reserves of $0.01 from two processes against a $1.00 cap accept exactly 100', async () => {
    const caps = { dailyUsd: 1 };
    const peers = ['a', 'b'].map((name) =>
      startPeer({
        op: 'reserve-burst',
        url: url(),
        tenantId,
        jobPrefix: `${tenantId}-${name}`,
        count: 100,
        amountUsd: 0.01,
        caps,
        now: NOW,
      }),
    );
    await Promise.all(peers.map((peer) => peer.ready));
    for (const peer of peers) peer.go();
    const results = (await Promise.all(peers.map((peer) => peer.result))) as Array<{ ok: number; refused: number }>;

    expect(results.reduce((sum, r) => sum + r.ok, 0)).toBe(100);
    expect(results.reduce((sum, r) => sum + r.refused, 0)).toBe(100);
    const spend = await ledger.spend(tenantId, caps, NOW);
    expect(spend.daily.reservedUsd).toBe(1);
    expect(spend.monthly.reservedUsd).toBe(1);
  }, 60_000);
});

describe('the Redis budget ledger', () => {
  test('keeps its keys under the configured prefix, the job record with a TTL of about 40 days', async () => {
    const keyPrefix = `test-${randomUUID()}`;
    const ledger = await createBudgetLedger({ kind: 'redis', url: stores.redis().url }, { keyPrefix });
    const client = createClient({ url: stores.redis().url });
    await client.connect();
    try {
      await ledger.reserve({ jobId: 'job-1', tenantId: 'acme', amountUsd: 0.5, caps: {}, now: NOW });
      expect((await client.keys(`${keyPrefix}:*`)).sort()).toEqual([
        `${keyPrefix}:job:job-1`,
        `${keyPrefix}:spend:acme:2026-11`,
        `${keyPrefix}:spend:acme:2026-11-26`,
      ]);
      expect(await client.hGetAll(`${keyPrefix}:job:job-1`)).toEqual({
        tenant: 'acme',
        day: '2026-11-26',
        month: '2026-11',
        amount: '500000000',
        state: 'reserved',
      });
      const ttl = await client.ttl(`${keyPrefix}:job:job-1`);
      expect(ttl).toBeGreaterThan(39 * 86_400);
      expect(ttl).toBeLessThanOrEqual(40 * 86_400);
    } finally {
      await client.close();
      await ledger.close();
    }
  });

  test('still works after the server forgot its scripts', async () => {
    const ledger = await createBudgetLedger({ kind: 'redis', url: stores.redis().url });
    const client = createClient({ url: stores.redis().url });
    await client.connect();
    try {
      const tenantId = `tenant-${randomUUID()}`;
      const jobId = randomUUID();
      await ledger.reserve({ jobId: randomUUID(), tenantId, amountUsd: 0.1, caps: {}, now: NOW });
      await client.scriptFlush();
      await expect(ledger.reserve({ jobId, tenantId, amountUsd: 0.2, caps: {}, now: NOW })).resolves.toEqual({
        ok: true,
        reservedUsd: 0.2,
      });
      await client.scriptFlush();
      await ledger.commit(jobId, 0.15);
      expect((await ledger.spend(tenantId, {}, NOW)).daily).toMatchObject({ committedUsd: 0.15, reservedUsd: 0.1 });
    } finally {
      await client.close();
      await ledger.close();
    }
  });
});

describe('the SQLite budget ledger', () => {
  test('when its file was made before reservations kept their reserved amount, it still commits and reports', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'switchyard-budget-old-')), 'counters.sqlite');
    const old = new Database(path);
    // The table as ledgers before the overshoot report created it, with one job still reserved.
    old.exec(`
      CREATE TABLE budget_ledger_jobs (
        job_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, day TEXT NOT NULL, month TEXT NOT NULL,
        amount_nanos INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('reserved', 'committed', 'released')),
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE budget_ledger_totals (
        tenant_id TEXT NOT NULL, period TEXT NOT NULL,
        committed_nanos INTEGER NOT NULL DEFAULT 0, reserved_nanos INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, period)
      ) WITHOUT ROWID;
      INSERT INTO budget_ledger_jobs VALUES ('old-job', 'acme', '2026-11-26', '2026-11', 100000000, 'reserved', 0, 0);
      INSERT INTO budget_ledger_jobs VALUES ('old-done', 'acme', '2026-11-26', '2026-11', 30000000, 'committed', 0, 0);
      INSERT INTO budget_ledger_totals VALUES ('acme', '2026-11-26', 30000000, 100000000);
      INSERT INTO budget_ledger_totals VALUES ('acme', '2026-11', 30000000, 100000000);
    `);
    old.close();

    const ledger = await createBudgetLedger({ kind: 'sqlite', path });
    try {
      await expect(ledger.commit('old-job', 0.15)).resolves.toEqual({
        reservedUsd: 0.1,
        committedUsd: 0.15,
        overshootUsd: 0.05,
      });
      // A job committed before the column existed reports no overshoot rather than a made-up one.
      await expect(ledger.commit('old-done', 1)).resolves.toEqual({
        reservedUsd: 0.03,
        committedUsd: 0.03,
        overshootUsd: 0,
      });
      expect((await ledger.spend('acme', {}, NOW)).daily).toMatchObject({ committedUsd: 0.18, reservedUsd: 0 });
    } finally {
      await ledger.close();
    }
  });
});
