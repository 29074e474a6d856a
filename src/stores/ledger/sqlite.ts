import type Database from 'better-sqlite3';
import type { SharedSqliteDatabase } from '../shared/sqlite-database';
import { settle } from '../shared/settle';
import { DEFAULT_JOB_RETENTION_SECONDS, nanosToUsd, usdToNanos, utcPeriods, type UtcPeriods } from './units';
import { commitOutcome } from './commit-outcome';
import { ReservationClosedError } from './reservation-closed-error';
import type {
  BudgetLedger,
  LedgerSettings,
  CommitOutcome,
  PeriodSpend,
  ReserveInput,
  ReserveOutcome,
  SpendCaps,
  TenantSpend,
} from './contract';

type ReservationState = 'reserved' | 'committed' | 'released';

interface Reservation {
  tenant_id: string;
  day: string;
  month: string;
  amount_nanos: number;
  /** What was reserved, kept once a commit has replaced `amount_nanos` with the real cost. */
  reserved_nanos: number | null;
  state: ReservationState;
}

interface Totals {
  committed_nanos: number;
  reserved_nanos: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS budget_ledger_jobs (
  job_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  day TEXT NOT NULL,
  month TEXT NOT NULL,
  amount_nanos INTEGER NOT NULL,
  reserved_nanos INTEGER,
  state TEXT NOT NULL CHECK (state IN ('reserved', 'committed', 'released')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS budget_ledger_jobs_created_at ON budget_ledger_jobs (created_at);
CREATE TABLE IF NOT EXISTS budget_ledger_totals (
  tenant_id TEXT NOT NULL,
  period TEXT NOT NULL,
  committed_nanos INTEGER NOT NULL DEFAULT 0,
  reserved_nanos INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, period)
) WITHOUT ROWID;
`;

/**
 * Adds `reserved_nanos` to a ledger file made before it existed. Two processes may open the same old file
 * at once; the one that loses the race finds the column already there.
 */
function migrate(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(budget_ledger_jobs)').all();
  if (columns.some((column) => column.name === 'reserved_nanos')) return;
  try {
    db.exec('ALTER TABLE budget_ledger_jobs ADD COLUMN reserved_nanos INTEGER');
  } catch (err) {
    if (!(err instanceof Error) || !/duplicate column/i.test(err.message)) throw err;
  }
}

/** Least time between two deletions of reservations past their retention. */
const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * The budget ledger in SQLite. Each reservation is a row keyed by job id; running totals per tenant and
 * period (a `2026-11-26` day or a `2026-11` month) are kept beside them in the same transactions, so a
 * reserve reads two rows instead of summing a period's history.
 *
 * Every write is one `BEGIN IMMEDIATE` transaction: it takes the file's write lock before reading the
 * totals, so two processes can never both read the same "used" and both pass a cap.
 *
 * Transitions, all idempotent by job id: reserved → committed (amount becomes the real cost, charged in
 * full even above the reservation, and the reserved amount is kept to report the overshoot) and
 * reserved → released (amount leaves the totals). Committed and released are final: a commit after a
 * release is ignored, because the release already told the tenant the money was not spent, and the cost
 * of a job that was given up on is not charged after the fact; a reserve after either is refused with
 * `ReservationClosedError`, so a closed reservation never lets a new job run unpaid. A commit or release of
 * an unknown job is a no-op: without its reservation there is no tenant or period to charge. A refusal is
 * not recorded: reserving again checks the caps again, so a refused job can pass once other jobs' money is
 * released.
 *
 * Reservations are kept for `jobRetentionSeconds` after their reserve, then deleted in small batches on
 * later reserves; the per-period totals are kept.
 */
export class SqliteBudgetLedger implements BudgetLedger {
  private readonly retentionMs: number;
  private nextPrune = 0;
  private readonly reserveTx: (request: ReserveRequest) => ReserveOutcome;
  private readonly commitTx: (jobId: string, actualNanos: number) => CommitOutcome;
  private readonly releaseTx: (jobId: string) => void;
  private readonly statements: ReturnType<typeof prepare>;

  constructor(
    private readonly database: SharedSqliteDatabase,
    options: Pick<LedgerSettings, 'jobRetentionSeconds'> = {},
  ) {
    const retention = options.jobRetentionSeconds ?? DEFAULT_JOB_RETENTION_SECONDS;
    if (!Number.isInteger(retention) || retention <= 0) {
      throw new RangeError(`jobRetentionSeconds must be a positive integer, got ${retention}`);
    }
    this.retentionMs = retention * 1000;
    const { db } = database;
    db.exec(SCHEMA);
    migrate(db);
    const statements = prepare(db);
    this.statements = statements;

    const reserve = db.transaction((request: ReserveRequest): ReserveOutcome => {
      const existing = statements.reservation.get(request.jobId);
      if (existing) {
        // Retries of the reserving activity land here: answer as the first call did, without charging again.
        if (existing.state === 'reserved') return { ok: true, reservedUsd: nanosToUsd(existing.amount_nanos) };
        throw new ReservationClosedError(request.jobId, existing.state);
      }
      const { tenantId, day, month, amount } = request;
      const refused =
        checkCap('daily', request.dailyCap, used(statements.totals.get(tenantId, day)), amount) ??
        checkCap('monthly', request.monthlyCap, used(statements.totals.get(tenantId, month)), amount);
      if (refused) return refused;
      // Wall-clock times, not `now`: retention is about when the ledger saw the job.
      const at = Date.now();
      statements.insertReservation.run(request.jobId, tenantId, day, month, amount, at, at);
      statements.addTotals.run(tenantId, day, 0, amount);
      statements.addTotals.run(tenantId, month, 0, amount);
      return { ok: true, reservedUsd: nanosToUsd(amount) };
    });
    this.reserveTx = (request) => reserve.immediate(request);

    const commit = db.transaction((jobId: string, actual: number): CommitOutcome => {
      const job = statements.reservation.get(jobId);
      // A retried commit answers with what the first one did; a released or unknown job was charged nothing.
      if (job?.state === 'committed') return commitOutcome(job.reserved_nanos ?? job.amount_nanos, job.amount_nanos);
      if (job?.state !== 'reserved') return commitOutcome(0, 0);
      statements.commitReservation.run(actual, job.amount_nanos, Date.now(), jobId);
      statements.addTotals.run(job.tenant_id, job.day, actual, -job.amount_nanos);
      statements.addTotals.run(job.tenant_id, job.month, actual, -job.amount_nanos);
      return commitOutcome(job.amount_nanos, actual);
    });
    this.commitTx = (jobId, actual) => commit.immediate(jobId, actual);

    const release = db.transaction((jobId: string) => {
      const job = statements.reservation.get(jobId);
      if (job?.state !== 'reserved') return;
      statements.setState.run('released', job.amount_nanos, Date.now(), jobId);
      statements.addTotals.run(job.tenant_id, job.day, 0, -job.amount_nanos);
      statements.addTotals.run(job.tenant_id, job.month, 0, -job.amount_nanos);
    });
    this.releaseTx = (jobId) => release.immediate(jobId);
  }

  reserve(input: ReserveInput): Promise<ReserveOutcome> {
    return settle(() => {
      // Validated before the transaction, so bad input never takes the file's write lock.
      const request = toRequest(input);
      this.pruneOldReservations();
      return this.reserveTx(request);
    });
  }

  commit(jobId: string, actualUsd: number): Promise<CommitOutcome> {
    return settle(() => this.commitTx(jobId, usdToNanos('actualUsd', actualUsd)));
  }

  release(jobId: string): Promise<void> {
    return settle(() => this.releaseTx(jobId));
  }

  spend(tenantId: string, caps: SpendCaps, now: number): Promise<TenantSpend> {
    return settle(() => {
      const { day, month } = utcPeriods(now);
      const period = (name: string, capUsd: number | undefined): PeriodSpend => {
        const totals = this.statements.totals.get(tenantId, name);
        return {
          period: name,
          committedUsd: nanosToUsd(totals?.committed_nanos ?? 0),
          reservedUsd: nanosToUsd(totals?.reserved_nanos ?? 0),
          capUsd: capUsd ?? null,
        };
      };
      return { tenantId, daily: period(day, caps.dailyUsd), monthly: period(month, caps.monthlyUsd) };
    });
  }

  ping(): Promise<void> {
    return this.database.ping();
  }

  close(): Promise<void> {
    this.database.release();
    return Promise.resolve();
  }

  private pruneOldReservations(): void {
    const now = Date.now();
    if (now < this.nextPrune) return;
    this.nextPrune = now + PRUNE_INTERVAL_MS;
    this.statements.pruneReservations.run(now - this.retentionMs);
  }
}

/** A reserve with its amounts in nano-dollars and its periods resolved. */
interface ReserveRequest extends UtcPeriods {
  jobId: string;
  tenantId: string;
  amount: number;
  dailyCap: Cap | undefined;
  monthlyCap: Cap | undefined;
  now: number;
}

interface Cap {
  usd: number;
  nanos: number;
}

function toRequest(input: ReserveInput): ReserveRequest {
  const cap = (name: string, usd: number | undefined) =>
    usd === undefined ? undefined : { usd, nanos: usdToNanos(name, usd) };
  return {
    jobId: input.jobId,
    tenantId: input.tenantId,
    amount: usdToNanos('amountUsd', input.amountUsd, 'up'),
    dailyCap: cap('caps.dailyUsd', input.caps.dailyUsd),
    monthlyCap: cap('caps.monthlyUsd', input.caps.monthlyUsd),
    now: input.now,
    ...utcPeriods(input.now),
  };
}

function used(totals: Totals | undefined): number {
  return totals ? totals.committed_nanos + totals.reserved_nanos : 0;
}

/** The refusal when `amount` on top of `usedNanos` would pass the cap; undefined when it fits or there is none. */
function checkCap(
  period: 'daily' | 'monthly',
  cap: Cap | undefined,
  usedNanos: number,
  amount: number,
): ReserveOutcome | undefined {
  if (!cap || usedNanos + amount <= cap.nanos) return undefined;
  return { ok: false, period, capUsd: cap.usd, usedUsd: nanosToUsd(usedNanos) };
}

function prepare(db: Database.Database) {
  return {
    reservation: db.prepare<[string], Reservation>(
      'SELECT tenant_id, day, month, amount_nanos, reserved_nanos, state FROM budget_ledger_jobs WHERE job_id = ?',
    ),
    totals: db.prepare<[string, string], Totals>(
      'SELECT committed_nanos, reserved_nanos FROM budget_ledger_totals WHERE tenant_id = ? AND period = ?',
    ),
    insertReservation: db.prepare<[string, string, string, string, number, number, number]>(
      `INSERT INTO budget_ledger_jobs (job_id, tenant_id, day, month, amount_nanos, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'reserved', ?, ?)`,
    ),
    setState: db.prepare<[ReservationState, number, number, string]>(
      'UPDATE budget_ledger_jobs SET state = ?, amount_nanos = ?, updated_at = ? WHERE job_id = ?',
    ),
    commitReservation: db.prepare<[number, number, number, string]>(
      `UPDATE budget_ledger_jobs SET state = 'committed', amount_nanos = ?, reserved_nanos = ?, updated_at = ?
       WHERE job_id = ?`,
    ),
    // Bounded, so the reserve that happens to prune is not held up by a large backlog.
    pruneReservations: db.prepare<[number]>(
      `DELETE FROM budget_ledger_jobs WHERE job_id IN
         (SELECT job_id FROM budget_ledger_jobs WHERE created_at < ? ORDER BY created_at LIMIT 1000)`,
    ),
    addTotals: db.prepare<[string, string, number, number]>(
      `INSERT INTO budget_ledger_totals (tenant_id, period, committed_nanos, reserved_nanos) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant_id, period) DO UPDATE SET
         committed_nanos = committed_nanos + excluded.committed_nanos,
         reserved_nanos = reserved_nanos + excluded.reserved_nanos`,
    ),
  };
}
