import { type IncomingHttpHeaders } from 'node:http';

/**
 * Per-request steering, so an end-to-end test can make one particular call fail. Each field comes
 * from an `x-mock-…` header or from a `[[mock:…]]` marker in the last user message — the marker
 * survives any gateway in between, which headers may not.
 */
export interface Directives {
  /** Answer with this status in the provider's error format (200 means no fault). */
  status?: number;
  /** Replaces the behavior's latency for this request. */
  latencyMs?: number;
  /** Retry-After for this request's 429 (or 5xx, where it is only sent when asked for). */
  retryAfterSeconds?: number;
  hang?: boolean;
  malformed?: boolean;
  contentPolicy?: boolean;
  /** The account is out of quota/credit: a non-retryable rejection, unlike a rate limit. */
  quota?: boolean;
  /** Apply the fault only to the first N identical requests, then succeed — for retry tests. */
  failTimes?: number;
  /**
   * Answer with a reply this many tokens long, as a model that rambles on would — cut at the request's
   * own output limit when it sends one, as real providers do.
   */
  outputTokens?: number;
  /**
   * A successful non-streamed answer sends its status and headers, then its body this many ms later: an answer
   * generated (and billed, as the call log records it then) whose transfer is slow.
   */
  bodyDelayMs?: number;
  /** Pause between the frames of a streamed answer, replacing the behavior's `streamChunkGapMs`. */
  chunkGapMs?: number;
  /** Streamed answers only: close the connection abruptly after this many content chunks. */
  streamDrop?: number;
  /** Streamed answers only: stop sending after this many content chunks, holding the connection open. */
  streamHang?: number;
  /** Streamed answers only: after this many content chunks, send a chunk that is not valid JSON, then end. */
  streamMalformed?: number;
}

/** A directive that cannot be used; answered with a 400 so a typo in a test does not pass silently. */
export class DirectiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectiveError';
  }
}

const MARKER = '[[mock:';
/** Upper bound of `output-tokens`, so one request cannot make the mock build a reply without limit. */
const MAX_OUTPUT_TOKENS = 1_000_000;
const MARKER_PATTERN = /\[\[mock:([a-z-]+)(?:=([^\]]*))?\]\]/g;

function integerIn(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new DirectiveError(`mock directive ${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function seconds(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new DirectiveError(`mock directive ${name} must be a non-negative number of seconds, got "${raw}"`);
  }
  return value;
}

function flag(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new DirectiveError(`mock directive ${name} takes no value or 1/true/0/false, got "${raw}"`);
}

/** Sets one directive by its marker name; header names map onto the same names. */
function apply(directives: Directives, name: string, raw: string | undefined): void {
  const needValue = (): string => {
    if (raw === undefined) throw new DirectiveError(`mock directive ${name} needs a value, e.g. [[mock:${name}=1]]`);
    return raw;
  };
  switch (name) {
    case 'status':
      directives.status = integerIn(name, needValue(), 200, 599);
      return;
    case 'latency':
      directives.latencyMs = integerIn(name, needValue(), 0, 3_600_000);
      return;
    case 'retry-after':
      directives.retryAfterSeconds = seconds(name, needValue());
      return;
    case 'fail-times':
      directives.failTimes = integerIn(name, needValue(), 0, 1_000_000);
      return;
    case 'output-tokens':
      directives.outputTokens = integerIn(name, needValue(), 1, MAX_OUTPUT_TOKENS);
      return;
    case 'body-delay':
      directives.bodyDelayMs = integerIn(name, needValue(), 0, 3_600_000);
      return;
    case 'chunk-gap':
      directives.chunkGapMs = integerIn(name, needValue(), 0, 3_600_000);
      return;
    case 'stream-drop':
      directives.streamDrop = integerIn(name, needValue(), 0, MAX_OUTPUT_TOKENS);
      return;
    case 'stream-hang':
      directives.streamHang = integerIn(name, needValue(), 0, MAX_OUTPUT_TOKENS);
      return;
    case 'stream-malformed':
      directives.streamMalformed = integerIn(name, needValue(), 0, MAX_OUTPUT_TOKENS);
      return;
    case 'hang':
      directives.hang = flag(name, raw);
      return;
    case 'malformed':
      directives.malformed = flag(name, raw);
      return;
    case 'content-policy':
      directives.contentPolicy = flag(name, raw);
      return;
    case 'quota':
      directives.quota = flag(name, raw);
      return;
    default:
      throw new DirectiveError(`unknown mock directive "${name}"`);
  }
}

const HEADER_NAMES: ReadonlyArray<readonly [header: string, name: string]> = [
  ['x-mock-status', 'status'],
  ['x-mock-latency-ms', 'latency'],
  ['x-mock-retry-after', 'retry-after'],
  ['x-mock-fail-times', 'fail-times'],
  ['x-mock-output-tokens', 'output-tokens'],
  ['x-mock-hang', 'hang'],
  ['x-mock-malformed', 'malformed'],
  ['x-mock-content-policy', 'content-policy'],
  ['x-mock-quota', 'quota'],
  ['x-mock-body-delay-ms', 'body-delay'],
  ['x-mock-chunk-gap-ms', 'chunk-gap'],
  ['x-mock-stream-drop', 'stream-drop'],
  ['x-mock-stream-hang', 'stream-hang'],
  ['x-mock-stream-malformed', 'stream-malformed'],
];

/** Reads `x-mock-*` headers; throws {@link DirectiveError} on an unusable value. */
export function readHeaderDirectives(headers: IncomingHttpHeaders): Directives {
  const directives: Directives = {};
  for (const [header, name] of HEADER_NAMES) {
    const value = headers[header];
    if (value !== undefined) apply(directives, name, Array.isArray(value) ? value.join(',') : value);
  }
  return directives;
}

/**
 * Reads `[[mock:…]]` markers out of a message and returns the message without them, so that the
 * markers never show up in the echoed reply or change the embedding of the text.
 */
export function extractTextDirectives(text: string): { directives: Directives; cleanText: string } {
  const directives: Directives = {};
  // Most requests carry no marker; skip the regex for them.
  if (!text.includes(MARKER)) return { directives, cleanText: text };
  const cleanText = text
    .replace(MARKER_PATTERN, (_match, name: string, raw: string | undefined) => {
      apply(directives, name, raw);
      return '';
    })
    .trim();
  return { directives, cleanText };
}

/** True when the request asked for any fault (as opposed to only latency or retry-after). */
export function requestsFault(d: Directives): boolean {
  return (
    (d.status !== undefined && d.status !== 200) ||
    d.hang === true ||
    d.malformed === true ||
    d.contentPolicy === true ||
    d.quota === true
  );
}
