/**
 * Parsing of the "wait this long" hints providers attach to 429s and 503s. Kept apart from the classifier
 * because each hint has its own format: `retry-after-ms` (OpenAI, Anthropic), `Retry-After` as seconds or
 * an HTTP date (RFC 9110), and Google's `RetryInfo.retryDelay` protobuf duration (`"1.5s"`).
 */

/** Larger delays are not a hint we can honour (and overflow Node timers); treat them as absent. */
const MAX_RETRY_AFTER_MS = 2 ** 31 - 1;

function boundedDelay(ms: number): number | undefined {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_RETRY_AFTER_MS) return undefined;
  return Math.round(ms);
}

/** Parses a `retry-after-ms` header value (milliseconds, possibly fractional). */
export function parseRetryAfterMsHeader(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return boundedDelay(Number(value));
}

/**
 * Parses a `Retry-After` header value: delta-seconds (`"2"`, and `"1.5"` which some servers send) or an
 * HTTP date, measured against `now`. A date in the past means "retry now", i.e. 0.
 */
export function parseRetryAfterHeader(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return boundedDelay(Number(trimmed) * 1000);
  // An HTTP date always names its month; Date.parse alone would read "-1" as the year 1 BC.
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return boundedDelay(Math.max(0, date - now));
}

/**
 * The delay the provider asked for, from response headers. `retry-after-ms` wins because it is the more
 * precise of the two when a provider sends both.
 */
export function retryAfterFromHeaders(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  return (
    parseRetryAfterMsHeader(headers.get('retry-after-ms')) ?? parseRetryAfterHeader(headers.get('retry-after'), now)
  );
}

/**
 * Parses a protobuf JSON `Duration` such as Gemini's `RetryInfo.retryDelay`: decimal seconds with an `s`
 * suffix (`"2s"`, `"1.5s"`, `"0.250s"`).
 */
export function parseProtobufDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(value);
  if (!match?.[1]) return undefined;
  return boundedDelay(Number(match[1]) * 1000);
}
