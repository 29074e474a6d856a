import type { ReserveOutcome } from '../src/contract/activities';

/** Which cap a refused reservation would pass, and what was used of it: "the daily cap of $5.00 (already used: …)". */
export function overCapText(reserved: Extract<ReserveOutcome, { ok: false }>): string {
  return `the ${reserved.period} cap of ${usd(reserved.capUsd)} (already used: ${usd(reserved.usedUsd)})`;
}

/** Dollars with the precision small amounts need: $12.50, $0.0042. */
function usd(amount: number): string {
  return `$${amount >= 1 ? amount.toFixed(2) : amount.toPrecision(2)}`;
}
