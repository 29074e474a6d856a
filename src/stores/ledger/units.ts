/**
 * The units both budget ledgers count in. Amounts are integer nano-dollars so that sums are exact
 * (a hundred reservations of $0.01 make exactly $1.00, which floats do not); periods are UTC days and months.
 */

const NANOS_PER_USD = 1_000_000_000;

/**
 * How long a ledger remembers a job's reservation: longer than any retry of a job's activities, and longer
 * than a month, so a period's totals are never changed by a job the ledger has forgotten.
 */
export const DEFAULT_JOB_RETENTION_SECONDS = 40 * 86_400;

/**
 * US dollars to integer nano-dollars; rejects negative and non-finite amounts. Reservations round up, so
 * no amount, however small, is ever charged as nothing.
 */
export function usdToNanos(name: string, usd: number, rounding: 'nearest' | 'up' = 'nearest'): number {
  if (!Number.isFinite(usd) || usd < 0) throw new RangeError(`${name} must be a finite amount >= 0, got ${usd}`);
  const nanos = usd * NANOS_PER_USD;
  // The epsilon keeps float noise (0.07 * 1e9 = 70000000.00000001) from rounding a whole amount up.
  return rounding === 'up' ? Math.max(0, Math.ceil(nanos - 1e-6)) : Math.round(nanos);
}

/** Integer nano-dollars back to US dollars. */
export function nanosToUsd(nanos: number): number {
  return nanos / NANOS_PER_USD;
}

/** The budget periods an instant falls in. */
export interface UtcPeriods {
  /** `2026-11-26` */
  day: string;
  /** `2026-11` */
  month: string;
}

/** The UTC day and month of `now` (epoch milliseconds). */
export function utcPeriods(now: number): UtcPeriods {
  const iso = new Date(now).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}
