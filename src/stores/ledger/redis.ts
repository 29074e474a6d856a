import type { SharedRedisClient } from '../shared/redis-connection';
import { RedisScript } from '../shared/redis-script';
import { DEFAULT_JOB_RETENTION_SECONDS, nanosToUsd, usdToNanos, utcPeriods } from './units';
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

/** Where a ledger's keys live unless configured otherwise. */
export const DEFAULT_BUDGET_KEY_PREFIX = 'switchyard:budget';

const DAY_SECONDS = 86_400;

// KEYS: job, day totals, month totals
// ARGV: tenant, day, month, amount, daily cap (-1: none), monthly cap (-1: none), job ttl, totals ttl
// Returns {1, amount} when reserved (or already reserved: a retry), {0, period, used} when a cap would be
// passed, {2, state} when the job's reservation is already committed or released (never reused).
const RESERVE = new RedisScript(`
local existing = redis.call('HMGET', KEYS[1], 'amount', 'state')
if existing[1] then
  if existing[2] == 'reserved' then return {1, tonumber(existing[1])} end
  return {2, existing[2]}
end
local amount = tonumber(ARGV[4])
local function used(key)
  local totals = redis.call('HMGET', key, 'committed', 'reserved')
  return (tonumber(totals[1]) or 0) + (tonumber(totals[2]) or 0)
end
local dailyCap, monthlyCap = tonumber(ARGV[5]), tonumber(ARGV[6])
if dailyCap >= 0 then
  local u = used(KEYS[2])
  if u + amount > dailyCap then return {0, 'daily', u} end
end
if monthlyCap >= 0 then
  local u = used(KEYS[3])
  if u + amount > monthlyCap then return {0, 'monthly', u} end
end
redis.call('HSET', KEYS[1], 'tenant', ARGV[1], 'day', ARGV[2], 'month', ARGV[3], 'amount', ARGV[4], 'state', 'reserved')
redis.call('EXPIRE', KEYS[1], ARGV[7])
for i = 2, 3 do
  redis.call('HINCRBY', KEYS[i], 'reserved', ARGV[4])
  redis.call('EXPIRE', KEYS[i], ARGV[8])
end
return {1, amount}
`);

// KEYS: job, day totals, month totals
// ARGV: tenant, day, month (as read before, to make sure the totals keys are this job's), new state,
//       committed amount (ignored for 'released'), totals ttl
// Moves the job's reserved amount out of the totals (into committed, when committing; the reserved amount
// is kept in the job's 'reserved' field to report an overshoot). Returns the reserved amount when it did,
// -1 when the job is not in the reserved state (already committed or released, or unknown).
const SETTLE = new RedisScript(`
local job = redis.call('HMGET', KEYS[1], 'state', 'amount', 'tenant', 'day', 'month')
if job[1] ~= 'reserved' or job[3] ~= ARGV[1] or job[4] ~= ARGV[2] or job[5] ~= ARGV[3] then return -1 end
local reserved = tonumber(job[2])
local committed = 0
if ARGV[4] == 'committed' then
  committed = tonumber(ARGV[5])
  redis.call('HSET', KEYS[1], 'state', 'committed', 'amount', ARGV[5], 'reserved', job[2])
else
  redis.call('HSET', KEYS[1], 'state', ARGV[4])
end
for i = 2, 3 do
  redis.call('HINCRBY', KEYS[i], 'reserved', -reserved)
  if committed > 0 then redis.call('HINCRBY', KEYS[i], 'committed', committed) end
  redis.call('EXPIRE', KEYS[i], ARGV[6])
end
return reserved
`);

/**
 * The budget ledger in Redis. Per job, a hash (tenant, day, month, amount, state) kept for the retention
 * period; per tenant and period, a hash of committed and reserved nano-dollars. Each check-and-reserve,
 * commit and release is one Lua script, which Redis runs atomically, so concurrent reserves from any number
 * of processes can never both pass a cap.
 *
 * The same transitions as the SQLite ledger: reserved → committed or reserved → released, both final, all
 * idempotent by job id; a reserve after either is refused with `ReservationClosedError`, a commit after a
 * release is ignored, a commit or release of an unknown job is a no-op, and a refusal is not recorded. Single-node Redis only: a script's keys span slots, which Redis
 * Cluster would refuse.
 */
export class RedisBudgetLedger implements BudgetLedger {
  private readonly prefix: string;
  private readonly jobTtl: string;
  // Totals outlive the jobs that may still move amounts in or out of them, and a month's totals outlive
  // the month (they are refreshed by every write, and retention is longer than any month).
  private readonly totalsTtl: string;

  constructor(
    private readonly redis: SharedRedisClient,
    options: LedgerSettings = {},
  ) {
    this.prefix = options.keyPrefix ?? DEFAULT_BUDGET_KEY_PREFIX;
    const retention = options.jobRetentionSeconds ?? DEFAULT_JOB_RETENTION_SECONDS;
    if (!Number.isInteger(retention) || retention <= 0) {
      throw new RangeError(`jobRetentionSeconds must be a positive integer, got ${retention}`);
    }
    this.jobTtl = String(retention);
    this.totalsTtl = String(retention + DAY_SECONDS);
  }

  async reserve(input: ReserveInput): Promise<ReserveOutcome> {
    const amount = usdToNanos('amountUsd', input.amountUsd, 'up');
    const cap = (name: string, usd: number | undefined) => (usd === undefined ? -1 : usdToNanos(name, usd));
    const { day, month } = utcPeriods(input.now);
    const reply = await RESERVE.run(
      this.redis.client,
      [this.jobKey(input.jobId), this.totalsKey(input.tenantId, day), this.totalsKey(input.tenantId, month)],
      [
        input.tenantId,
        day,
        month,
        String(amount),
        String(cap('caps.dailyUsd', input.caps.dailyUsd)),
        String(cap('caps.monthlyUsd', input.caps.monthlyUsd)),
        this.jobTtl,
        this.totalsTtl,
      ],
    );
    const [ok, second, third] = replyArray(reply);
    if (ok === 1) return { ok: true, reservedUsd: nanosToUsd(toInteger(second)) };
    if (ok === 2) {
      throw new ReservationClosedError(
        input.jobId,
        second === 'committed' || second === 'released' ? second : unexpected(reply),
      );
    }
    const period = second === 'daily' || second === 'monthly' ? second : unexpected(reply);
    const capUsd = (period === 'daily' ? input.caps.dailyUsd : input.caps.monthlyUsd) ?? unexpected(reply);
    return { ok: false, period, capUsd, usedUsd: nanosToUsd(toInteger(third)) };
  }

  async commit(jobId: string, actualUsd: number): Promise<CommitOutcome> {
    const actual = usdToNanos('actualUsd', actualUsd);
    const reserved = await this.settle(jobId, 'committed', actual);
    if (reserved !== undefined) return commitOutcome(reserved, actual);
    // Not reserved (any more): a retried commit answers with what the first one did.
    const [state, amount, reservedBefore] = await this.redis.client.hmGet(this.jobKey(jobId), [
      'state',
      'amount',
      'reserved',
    ]);
    if (state !== 'committed' || amount === null || amount === undefined) return commitOutcome(0, 0);
    return commitOutcome(Number(reservedBefore ?? amount), Number(amount));
  }

  async release(jobId: string): Promise<void> {
    await this.settle(jobId, 'released', 0);
  }

  async spend(tenantId: string, caps: SpendCaps, now: number): Promise<TenantSpend> {
    const { day, month } = utcPeriods(now);
    const period = async (name: string, capUsd: number | undefined): Promise<PeriodSpend> => {
      const [committed, reserved] = await this.redis.client.hmGet(this.totalsKey(tenantId, name), [
        'committed',
        'reserved',
      ]);
      return {
        period: name,
        committedUsd: nanosToUsd(Number(committed ?? 0)),
        reservedUsd: nanosToUsd(Number(reserved ?? 0)),
        capUsd: capUsd ?? null,
      };
    };
    const [daily, monthly] = await Promise.all([period(day, caps.dailyUsd), period(month, caps.monthlyUsd)]);
    return { tenantId, daily, monthly };
  }

  ping(): Promise<void> {
    return this.redis.ping();
  }

  close(): Promise<void> {
    return this.redis.release();
  }

  /** Moves the job out of the reserved state; the amount it had reserved, or undefined when it was not reserved. */
  private async settle(
    jobId: string,
    state: 'committed' | 'released',
    committedNanos: number,
  ): Promise<number | undefined> {
    const jobKey = this.jobKey(jobId);
    // The totals keys depend on the job's tenant and periods, and a script must name its keys up front:
    // read them first, and let the script check they are still this job's before it moves anything.
    const [current, tenant, day, month] = await this.redis.client.hmGet(jobKey, ['state', 'tenant', 'day', 'month']);
    if (current !== 'reserved' || !tenant || !day || !month) return undefined;
    const reply = await SETTLE.run(
      this.redis.client,
      [jobKey, this.totalsKey(tenant, day), this.totalsKey(tenant, month)],
      [tenant, day, month, state, String(committedNanos), this.totalsTtl],
    );
    const reserved = toInteger(reply);
    return reserved < 0 ? undefined : reserved;
  }

  private jobKey(jobId: string): string {
    return `${this.prefix}:job:${jobId}`;
  }

  // The period is the last segment and never contains ':', so any tenant id maps to its own keys.
  private totalsKey(tenantId: string, period: string): string {
    return `${this.prefix}:spend:${tenantId}:${period}`;
  }
}

function replyArray(reply: unknown): unknown[] {
  return Array.isArray(reply) ? (reply as unknown[]) : unexpected(reply);
}

function toInteger(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) ? value : unexpected(value);
}

function unexpected(reply: unknown): never {
  throw new Error(`Unexpected reply from the budget script: ${JSON.stringify(reply)}`);
}
