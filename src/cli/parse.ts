import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since 1h` (s, m, h, d, w): the ISO time that long ago. */
export function parseSince(value: string): string {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  const unit = match?.[2] === undefined ? undefined : UNITS[match[2]];
  if (!match?.[1] || unit === undefined) {
    throw new InvalidArgumentError('use a number and a unit: 30m, 1h, 2d, 1w (s, m, h, d, w).');
  }
  return new Date(Date.now() - Number(match[1]) * unit).toISOString();
}

/** An ISO 8601 time, checked here so a typo is a usage error rather than a round trip. */
export function parseIsoTime(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError('use an ISO 8601 time, e.g. 2026-11-27T09:00:00Z.');
  }
  return value;
}

/** A whole number within bounds. */
export function integerIn(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(`use a whole number from ${min} to ${max}.`);
    }
    return number;
  };
}

/** A number within bounds. */
export function numberIn(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) {
      throw new InvalidArgumentError(`use a number from ${min} to ${max}.`);
    }
    return number;
  };
}

/** `true` or `false`. */
export function parseBoolean(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('use true or false.');
}
