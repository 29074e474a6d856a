import { MODEL_CATALOGUE } from '../../src/config/model-catalogue';
import type { MockCall } from '../../src/mock-provider';
import type { PeriodSpend } from '../../src/stores/ledger/contract';
import { parseMarker, TENANT_IDS, type MixJob, type TenantId, type UnitKind } from './job-mix';

/**
 * Reconciles three accounts of the same money, in integer nano-dollars: what the mock provider says it was
 * paid for (its call log × list prices), what the budget ledger committed, and what the jobs report as their
 * cost. Each discrepancy becomes one readable line naming the tenant, the kind of job and the job ids.
 */

const NANOS_PER_USD = 1e9;

/** What the ledger says about one tenant. */
export interface TenantLedger {
  daily: PeriodSpend;
  monthly: PeriodSpend;
}

export interface AuditInput {
  calls: readonly MockCall[];
  /** Calls the log had to drop; anything but 0 makes the comparison meaningless. */
  droppedCalls: number;
  jobs: readonly MixJob[];
  /** The kind of each unit, by unit index. */
  unitKinds: readonly UnitKind[];
  ledger: Readonly<Record<TenantId, TenantLedger>>;
  /** The capped tenant, its daily cap, and the largest reservation any of its requests asks for. */
  cap: { tenant: TenantId; capUsd: number; maxReservationUsd: number };
  /**
   * When the worker was killed (epoch ms). A call answered just before a SIGKILL can die with the worker
   * before its result is recorded; such calls are paid but unknowable to Switchyard, so an unpaid amount
   * no larger than the calls answered in the moments before the kill is reported apart, as `lostInCrash`.
   */
  killedAt?: number;
}

export interface AuditFigures {
  jobs: number;
  calls: number;
  committedNanos: number;
  calledNanos: number;
  /** Unpaid, but no more than the calls answered in the moments before a worker was killed. */
  lostInCrashNanos: number;
  maxOvershootNanos: number;
}

export interface Audit {
  figures: AuditFigures;
  /** Reservations still open at the end. */
  openReservations: string[];
  /** Ledger vs. the mock's call log, per tenant and overall; calls the log cannot attribute. */
  ledgerProblems: string[];
  /**
   * The jobs' reported costs vs. the calls made for their request. A request with a cancelled job is only
   * checked for overcharges: the cancelled job has no result, so its call's cost shows in the ledger alone.
   */
  jobProblems: string[];
  /** The capped tenant's spend vs. its cap plus one reservation. */
  capProblems: string[];
}

/** US dollars to integer nano-dollars, as the ledger counts. */
export function nanos(usd: number): number {
  return Math.round(usd * NANOS_PER_USD);
}

/** Nano-dollars as dollars with every digit the ledger keeps. */
export function dollars(amountNanos: number): string {
  const sign = amountNanos < 0 ? '-' : '';
  return `${sign}$${(Math.abs(amountNanos) / NANOS_PER_USD).toFixed(9)}`;
}

/** List price of a call, in nano-dollars: usage × the price of the model the mock saw. */
export function callNanos(call: MockCall): number {
  const price = MODEL_CATALOGUE[call.model];
  if (!price) throw new Error(`the mock was called with ${call.model}, which has no list price`);
  // Per-token prices in nano-dollars are whole numbers for every catalogue price, so the sum is exact.
  const input = Math.round(price.inputUsdPerMTok * 1_000);
  const output = Math.round(price.outputUsdPerMTok * 1_000);
  return call.promptTokens * input + call.completionTokens * output;
}

interface UnitAccount {
  tenant: TenantId;
  calls: MockCall[];
  calledNanos: number;
}

/**
 * A call answered this shortly before a SIGKILL may have reached a worker that died before journaling it
 * (activities/call-journal.ts): the provider was paid, but no part of Switchyard can know. An answer the worker
 * journaled is returned to the retry instead of calling again, so only this window remains: longer than a
 * worker busy with a hundred other jobs on two cores takes to read an answer and journal it.
 */
const CRASH_WINDOW_MS = 2_000;

/** The cost of a tenant's (or unit's) calls answered in the crash window: the most the kill can have lost. */
function crashExposure(calls: readonly MockCall[], killedAt: number | undefined): number {
  if (killedAt === undefined) return 0;
  return calls
    .filter((call) => call.at <= killedAt && call.at > killedAt - CRASH_WINDOW_MS)
    .reduce((sum, call) => sum + callNanos(call), 0);
}

function describeJobs(jobs: readonly MixJob[]): string {
  return jobs
    .map((job) => {
      const cost = job.costUsd === null ? '-' : dollars(nanos(job.costUsd));
      const flags = [job.coalesced && 'coalesced', job.cacheHit && 'cache', job.degraded && 'degraded']
        .filter(Boolean)
        .join(',');
      const error = job.errorCode ? `:${job.errorCode} "${(job.errorMessage ?? '').slice(0, 80)}"` : '';
      return `${job.id}(${job.status}${error}${flags ? `,${flags}` : ''}, cost ${cost})`;
    })
    .join(' ');
}

/** Compares the ledger, the call log and the jobs' results; see {@link Audit}. */
export function auditMoney(input: AuditInput): Audit {
  const ledgerProblems: string[] = [];
  const jobProblems: string[] = [];
  const capProblems: string[] = [];
  const openReservations: string[] = [];
  if (input.droppedCalls !== 0) ledgerProblems.push(`the mock's call log dropped ${input.droppedCalls} calls`);

  const units = new Map<number, UnitAccount>();
  for (const call of input.calls) {
    const owner = parseMarker(call.promptHead);
    if (!owner) {
      ledgerProblems.push(`call ${call.sequence} (${call.model}, "${call.promptHead}") belongs to no job of the mix`);
      continue;
    }
    const account = units.get(owner.unit) ?? { tenant: owner.tenant, calls: [], calledNanos: 0 };
    account.calls.push(call);
    account.calledNanos += callNanos(call);
    units.set(owner.unit, account);
  }

  const unreported: Array<{ tenant: TenantId | undefined; line: string }> = [];
  const jobsByUnit = new Map<number, MixJob[]>();
  for (const job of input.jobs) jobsByUnit.set(job.unit, [...(jobsByUnit.get(job.unit) ?? []), job]);
  const unitIds = new Set([...units.keys(), ...jobsByUnit.keys()]);
  for (const unit of [...unitIds].sort((a, b) => a - b)) {
    const jobs = jobsByUnit.get(unit) ?? [];
    const account = units.get(unit);
    const tenantId = account?.tenant ?? jobs[0]?.tenant;
    const calledNanos = account?.calledNanos ?? 0;
    const callCount = account?.calls.length ?? 0;
    const chargedNanos = jobs.reduce((sum, job) => sum + (job.costUsd === null ? 0 : nanos(job.costUsd)), 0);
    const shortfall = calledNanos - chargedNanos;
    const exposure = crashExposure(account?.calls ?? [], input.killedAt);
    if (shortfall > callCount && shortfall <= exposure + callCount) continue; // see crashExposure
    if (Math.abs(shortfall) > callCount) {
      const kind = input.unitKinds[unit] ?? '?';
      const line =
        `${tenantId} ${kind} unit ${unit}: jobs report ${dollars(chargedNanos)} for ${callCount} paid call(s) worth ` +
        `${dollars(calledNanos)} (${shortfall > 0 ? 'unreported' : 'overcharged'} ${dollars(Math.abs(shortfall))}); ` +
        `jobs ${describeJobs(jobs) || '(none started)'}`;
      // A cancelled job has no result to report a cost in: what its call cost can only show in the ledger.
      const cancelled = jobs.some((job) => job.status === 'cancelled');
      if (shortfall > 0 && cancelled) unreported.push({ tenant: tenantId, line });
      else jobProblems.push(line);
    }
  }

  let committedNanos = 0;
  let calledNanos = 0;
  let lostInCrashNanos = 0;
  let callCount = 0;
  for (const tenantId of TENANT_IDS) {
    const spend = input.ledger[tenantId];
    for (const period of [spend.daily, spend.monthly]) {
      if (period.reservedUsd !== 0) {
        openReservations.push(`${tenantId} ${period.period}: ${dollars(nanos(period.reservedUsd))} still reserved`);
      }
    }
    const accounts = [...units.values()].filter((account) => account.tenant === tenantId);
    const called = accounts.reduce((sum, account) => sum + account.calledNanos, 0);
    const calls = accounts.reduce((sum, account) => sum + account.calls.length, 0);
    const committed = nanos(spend.monthly.committedUsd);
    const tenantCalls = accounts.flatMap((account) => account.calls);
    const exposure = crashExposure(tenantCalls, input.killedAt);
    // Unpaid calls from the crash window are reported as lost, not as a discrepancy (see crashExposure).
    const lost = called - committed > calls && called - committed <= exposure + calls ? called - committed : 0;
    const reported = input.jobs
      .filter((job) => job.tenant === tenantId)
      .reduce((sum, job) => sum + (job.costUsd === null ? 0 : nanos(job.costUsd)), 0);
    const difference = committed - (called - lost);
    if (Math.abs(difference) > calls) {
      ledgerProblems.push(
        `${tenantId}: the ledger committed ${dollars(committed)} for ${calls} paid call(s) worth ` +
          `${dollars(called - lost)} (${difference > 0 ? 'overcharged' : 'unpaid'} ${dollars(Math.abs(difference))}; ` +
          `the jobs report ${dollars(reported)})`,
      );
      // Requests with a cancelled job are where a paid call most often goes astray: name them.
      for (const hint of unreported.filter((entry) => entry.tenant === tenantId)) ledgerProblems.push(`  ${hint.line}`);
    }
    committedNanos += committed;
    calledNanos += called;
    lostInCrashNanos += lost;
    callCount += calls;
  }
  if (Math.abs(committedNanos - (calledNanos - lostInCrashNanos)) > input.calls.length) {
    ledgerProblems.push(
      `all tenants: the ledger committed ${dollars(committedNanos)} for ${input.calls.length} paid call(s) worth ` +
        `${dollars(calledNanos - lostInCrashNanos)}`,
    );
  }

  const capped = input.ledger[input.cap.tenant].daily;
  const capNanos = nanos(input.cap.capUsd);
  const cappedCommitted = nanos(capped.committedUsd);
  const maxOvershootNanos = Math.max(0, cappedCommitted - capNanos);
  if (cappedCommitted > capNanos + nanos(input.cap.maxReservationUsd)) {
    capProblems.push(
      `${input.cap.tenant}: committed ${dollars(cappedCommitted)} today against a cap of ${dollars(capNanos)}, ` +
        `more than one reservation (${dollars(nanos(input.cap.maxReservationUsd))}) over`,
    );
  }

  return {
    figures: {
      jobs: input.jobs.length,
      calls: callCount,
      committedNanos,
      calledNanos,
      lostInCrashNanos,
      maxOvershootNanos,
    },
    openReservations,
    ledgerProblems,
    jobProblems,
    capProblems,
  };
}

/** The closing line for the release note. */
export function figuresLine(variant: string, figures: AuditFigures): string {
  const crash = figures.lostInCrashNanos > 0 ? ` lostInCrash=${dollars(figures.lostInCrashNanos)}` : '';
  return (
    `conservation ${variant}: jobs=${figures.jobs} calls=${figures.calls} committed=${dollars(figures.committedNanos)} ` +
    `called=${dollars(figures.calledNanos)} maxOvershoot=${dollars(figures.maxOvershootNanos)}${crash}`
  );
}
