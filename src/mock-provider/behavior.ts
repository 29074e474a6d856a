import { isJsonObject } from './json';

/** Faults that can be injected at random; status codes are sent in the provider's own error format. */
export const FAULT_KINDS = ['500', '502', '503', '529', '429', 'hang', 'malformed'] as const;

/** One injectable fault: an HTTP status, a request that is never answered, or a 200 with broken JSON. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How the mock behaves for every request that does not carry its own directives. */
export interface MockBehavior {
  /**
   * Delay added before answering, in milliseconds.
   * @default 0
   */
  latencyMs: number;
  /**
   * Probability per request of each fault; the probabilities must add up to at most 1.
   * Setting this replaces the previous rates rather than merging with them.
   * @default {}
   */
  errorRates: Partial<Record<FaultKind, number>>;
  /**
   * Retry-After, in seconds, sent with injected 429s.
   * @default 1
   */
  retryAfterSeconds: number;
  /**
   * Requests per API key per fixed 60 s window; past it the provider's own 429 is returned with the
   * time left in the window as Retry-After. `undefined` means no limit.
   */
  keyRateLimitPerMinute?: number;
  /** Seeds the random fault draws so runs are reproducible; unseeded runs draw from a random seed. */
  seed?: number;
  /**
   * How long a batch (OpenAI Batch API, Anthropic Message Batches) takes from submission to its end, in
   * milliseconds; its items are answered one after another over that time, so a poller sees progress. A batch
   * keeps the value it was submitted under.
   * @default 2000
   */
  batchCompletionMs: number;
  /**
   * How long a batch may run before it expires, in milliseconds: items not answered by then are never
   * answered. The real providers allow 24 hours; set it below `batchCompletionMs` to see a batch expire.
   * @default 86400000
   */
  batchExpiryMs: number;
  /**
   * Pause between the frames of a streamed answer, in milliseconds; a request's `chunk-gap` directive replaces it.
   * @default 0
   */
  streamChunkGapMs: number;
}

/** The behavior of a freshly started mock. */
export const DEFAULT_BEHAVIOR: Readonly<MockBehavior> = Object.freeze({
  latencyMs: 0,
  errorRates: {},
  retryAfterSeconds: 1,
  batchCompletionMs: 2000,
  batchExpiryMs: 24 * 60 * 60 * 1000,
  streamChunkGapMs: 0,
});

/** A behavior setting that cannot be used; the message names the field. */
export class MockBehaviorError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'MockBehaviorError';
  }
}

function isFaultKind(key: string): key is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(key);
}

function nonNegativeNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MockBehaviorError(field, `must be a non-negative number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function integer(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new MockBehaviorError(field, `must be an integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new MockBehaviorError(field, `must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks fault probabilities: known kinds only, each in [0, 1], together at most 1. */
export function validateErrorRates(value: unknown, field = 'errorRates'): Partial<Record<FaultKind, number>> {
  if (!isJsonObject(value)) throw new MockBehaviorError(field, 'must be an object of fault kind to probability');
  const rates: Partial<Record<FaultKind, number>> = {};
  let sum = 0;
  for (const [key, rate] of Object.entries(value)) {
    if (!isFaultKind(key)) {
      throw new MockBehaviorError(`${field}.${key}`, `unknown fault kind; expected one of ${FAULT_KINDS.join(', ')}`);
    }
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new MockBehaviorError(
        `${field}.${key}`,
        `must be a probability between 0 and 1, got ${JSON.stringify(rate)}`,
      );
    }
    rates[key] = rate;
    sum += rate;
  }
  // A small tolerance so that rates written as decimals (0.1 + 0.2 + 0.7) are not rejected for rounding.
  if (sum > 1 + 1e-9) throw new MockBehaviorError(field, `probabilities add up to ${sum}, more than 1`);
  return rates;
}

/**
 * Validates a partial behavior coming from code or from `POST /_mock/behavior`.
 * `null` (JSON) or an explicit `undefined` for `keyRateLimitPerMinute` / `seed` clears the setting.
 */
export function validateBehaviorPatch(input: unknown): Partial<MockBehavior> {
  if (!isJsonObject(input)) throw new MockBehaviorError('behavior', 'must be an object');
  const patch: Partial<MockBehavior> = {};
  for (const [field, value] of Object.entries(input)) {
    const cleared = value === null || value === undefined;
    switch (field) {
      case 'keyRateLimitPerMinute':
        patch.keyRateLimitPerMinute = cleared ? undefined : positiveInteger(field, value);
        break;
      case 'seed':
        patch.seed = cleared ? undefined : integer(field, value);
        break;
      // `{ latencyMs: undefined }` from code leaves a required setting as it is; `null` is rejected below.
      case 'latencyMs':
        if (value !== undefined) patch.latencyMs = nonNegativeNumber(field, value);
        break;
      case 'retryAfterSeconds':
        if (value !== undefined) patch.retryAfterSeconds = nonNegativeNumber(field, value);
        break;
      case 'errorRates':
        if (value !== undefined) patch.errorRates = validateErrorRates(value);
        break;
      case 'batchCompletionMs':
        if (value !== undefined) patch.batchCompletionMs = nonNegativeNumber(field, value);
        break;
      case 'batchExpiryMs':
        if (value !== undefined) patch.batchExpiryMs = nonNegativeNumber(field, value);
        break;
      case 'streamChunkGapMs':
        if (value !== undefined) patch.streamChunkGapMs = nonNegativeNumber(field, value);
        break;
      default:
        throw new MockBehaviorError(field, 'unknown behavior field');
    }
  }
  return patch;
}
