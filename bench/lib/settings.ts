/** Reads the suite's environment knobs once, so every scenario sees the same values. */

/**
 * Multiplies every duration (BENCH_SCALE=0.5 for a quick look). Request counts that define a scenario
 * (the sequential samples, the coalesced burst) stay as they are.
 * @default 1
 */
export const BENCH_SCALE = positiveNumber('BENCH_SCALE', 1);

/** Scenario ids to run (BENCH_ONLY=floor,jobs); every scenario when unset. */
export const BENCH_ONLY: ReadonlySet<string> | undefined = process.env.BENCH_ONLY
  ? new Set(
      process.env.BENCH_ONLY.split(',')
        .map((id) => id.trim())
        .filter((id) => id.length > 0),
    )
  : undefined;

/** Seconds scaled by {@link BENCH_SCALE}, never below `minimum`. */
export function scaled(seconds: number, minimum = 1): number {
  return Math.max(minimum, Math.round(seconds * BENCH_SCALE * 10) / 10);
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}
