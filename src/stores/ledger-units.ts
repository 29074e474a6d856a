/**
 * The units both budget ledgers count in. Amounts are integer micro-dollars so that sums are exact
 * (a hundred reservations of $0.01 make exactly $1.00, which floats do not); periods are UTC days and months.
 */

const MICROS_PER_USD = 1_000_000;

/**
 * How long a ledger remembers a job's reservation: longer than any retry of a job's activities, and longer
 * than a month, so a period's totals are never changed by a job the ledger has forgotten.
 */
export const DEFAULT_JOB_RETENTION_SECONDS = 40 * 86_400;

/** US dollars to integer micro-dollars; rejects negative and non-finite amounts. */
export function usdToMicros(name: string, usd: number): number {
  if (!Number.isFinite(usd) || usd < 0) throw new RangeError(`${name} must be a finite amount >= 0, got ${usd}`);
  return Math.round(usd * MICROS_PER_USD);
}

/** Integer micro-dollars back to US dollars. */
export function microsToUsd(micros: number): number {
  return micros / MICROS_PER_USD;
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
