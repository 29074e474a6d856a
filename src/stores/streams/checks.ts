import { DEFAULT_STREAM_READ_LIMIT, type StreamReadOptions } from './contract';

/** A read's options, checked, with the default limit filled in. */
export interface CheckedRead {
  /** 0 when the read's signal is already aborted. */
  waitMs: number;
  limit: number;
}

/** Checks a read's options the same way on both stores; a wrong value is a bug of the caller (RangeError). */
export function checkRead(options: StreamReadOptions): CheckedRead {
  const { waitMs, limit = DEFAULT_STREAM_READ_LIMIT } = options;
  if (!Number.isFinite(waitMs) || waitMs < 0) throw new RangeError(`waitMs must be a finite number ≥ 0, got ${waitMs}`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return { waitMs: options.signal?.aborted ? 0 : waitMs, limit };
}

/** A positive setting in milliseconds from its value in `unit`s; throws a RangeError naming it otherwise. */
export function positiveMs(name: string, value: number, unit: 1 | 1000): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return Math.max(1, Math.round(value * unit));
}
