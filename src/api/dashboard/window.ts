import { HttpError } from '../http-error';

/** The window the dashboard shows when the request names none: the last 15 minutes. */
export const DEFAULT_WINDOW_MS = 15 * 60_000;
const MIN_WINDOW_MS = 60_000;
const MAX_WINDOW_MS = 24 * 3_600_000;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * Reads the `window` query parameter (`30s`, `15m`, `2h`; from 1 minute to 24 hours) as milliseconds.
 * A window is bounded both ways: a tiny one says nothing, and a huge one would page through a day of jobs.
 */
export function parseWindow(value: unknown): number {
  if (value === undefined) return DEFAULT_WINDOW_MS;
  const match = typeof value === 'string' ? /^(\d{1,6})(s|m|h)$/.exec(value.trim()) : null;
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : NaN;
  if (!(ms >= MIN_WINDOW_MS && ms <= MAX_WINDOW_MS)) {
    throw new HttpError(
      400,
      'invalid_parameter',
      'window must be a duration from 1m to 24h, written as a number and a unit: 90s, 15m or 2h.',
      { param: 'window', details: { param: 'window' } },
    );
  }
  return ms;
}
