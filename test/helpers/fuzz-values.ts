import fc from 'fast-check';
import { truncateUtf16 } from './json-schema';

/** Characters that break naive parsers, headers, logs and terminals. */
const NASTY_CHARS = [
  '\u0000',
  '\u0001',
  '\b',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u00ff',
  '\u200b',
  '\u200d',
  '\u2028',
  '\u2029',
  '\u202e',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\ud800',
  '\udfff',
  '😀',
  '👩‍👩‍👧‍👦',
  '🇺🇳',
  'é',
  'ﷺ',
  '中文',
  'ا',
  '\u0301\u0301\u0301',
  '%',
  '%00',
  '\\',
  '"',
  "'",
  '<script>',
  '${x}',
  '{{input}}',
  '[[mock',
];

/** Names that collide with members every plain JavaScript object inherits. */
export const PROTO_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
];

/** One "character" of fuzz text: mostly printable, often emoji, control or otherwise awkward. */
export const fuzzChar: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 6 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), weight: 1 },
  { arbitrary: fc.constantFrom(...NASTY_CHARS), weight: 2 },
);

/** Text of at most `maxLength` UTF-16 code units (what zod counts), drawn from `fuzzChar`. */
export function fuzzText(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc
    .string({ unit: fuzzChar, minLength, maxLength })
    .map((text) => truncateUtf16(text, maxLength))
    .filter((text) => text.length >= minLength);
}

/** Strings a validator should refuse somewhere: numbers in disguise, names of inherited members, odd text. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e309',
    '-0',
    '0x10',
    ' 1',
    '1,5',
    'null',
    'true',
    'undefined',
  ),
  fc.constantFrom(...PROTO_NAMES),
  fc.constantFrom(...NASTY_CHARS),
  fuzzText(1, 30),
  fc.constantFrom(65, 201, 257, 513, 2_001, 100_000).map((n) => 'x'.repeat(n)),
  fc.constantFrom(65, 201, 257).map((n) => '😀'.repeat(n)),
);

/** Replaces a JSON value where a schema expects something else: wrong types, extreme numbers, odd strings. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 2, -(2 ** 63), 1_000_001),
  oddString,
  fc.constantFrom([], {}, [[]], [{}], [null]),
  fc.constant(JSON.parse('{"__proto__":null}') as unknown),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true}}') as unknown),
  fc.constant(JSON.parse('{"constructor":{"prototype":{"polluted":true}}}') as unknown),
  fc.array(fc.constant({ role: 'user', content: 'x' }), { minLength: 2_001, maxLength: 2_001 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Bytes an HTTP parser refuses in a header value (all controls but TAB). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSENDABLE = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/**
 * A header value as a raw client would send it: the text's UTF-8 bytes, one latin-1 character each (what a
 * server reads), without the NUL, CR and LF that no HTTP client can put in a header.
 */
export function headerValue(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1').replace(UNSENDABLE, '?');
}

/** Visible ASCII, as a well-formed Idempotency-Key uses. */
const visibleAscii = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) });

/** Idempotency-Key headers: a few reused keys (replays and conflicts), fresh ones, and malformed ones. */
export const idempotencyKeyHeader: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { arbitrary: fc.constant({}), weight: 6 },
  { arbitrary: fc.constantFrom('fuzz-1', 'fuzz-2', 'fuzz-3').map((k) => ({ 'idempotency-key': k })), weight: 2 },
  {
    arbitrary: visibleAscii.filter((k) => k.length > 0 && k.length <= 255).map((k) => ({ 'idempotency-key': k })),
    weight: 1,
  },
  {
    arbitrary: fc
      .oneof(
        fc.constantFrom('', ' ', '\t', 'a b', 'x'.repeat(256), 'é', '__proto__', 'constructor', '😀'),
        fuzzText(1, 40),
      )
      .map((k) => ({ 'idempotency-key': headerValue(k) })),
    weight: 2,
  },
);

/** `encodeURIComponent` that also takes lone surrogates (as U+FFFD), which fuzz text may hold. */
export function encodeSegment(text: string): string {
  return encodeURIComponent(
    text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}
