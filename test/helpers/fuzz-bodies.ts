import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { arbitraryOf, validateJson, type SchemaNode } from './json-schema';
import { fuzzText, oddString, oddValue, PROTO_NAMES } from './fuzz-values';
import { servableBody } from './fuzz-servable';

/** A request body as sent, and whether the operation's schema forbids what the server will parse from it. */
export interface FuzzBody {
  headers: Record<string, string>;
  body: string | Buffer;
  /** The server must not accept this body (it is not JSON the schema allows). */
  mustReject: boolean;
  /** What was done to the body, for the report. */
  mutation: string;
}

type JsonPath = (string | number)[];
/** Stands for a raw JSON fragment (e.g. deep nesting) spliced into the serialised body. */
const RAW_MARKER = '\u0000fuzz-raw\u0000';
/** Stands for a parsed body too deep to judge against the schema. */
const UNJUDGED = Symbol('unjudged');

function pathsOf(value: unknown, prefix: JsonPath = []): JsonPath[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  }
  return [];
}

function parentOf(root: unknown, path: JsonPath): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return node;
}

/** Sets (own property, even `__proto__`) or deletes the member at `path`. */
function update(root: unknown, path: JsonPath, value: unknown, remove = false): void {
  const parent = parentOf(root, path);
  const key = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else delete parent[key];
    return;
  }
  Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
}

const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: oddValue }),
  fc.record({ kind: fc.constant('string' as const), pick: fc.nat(), value: fc.oneof(oddString, fuzzText(1, 80)) }),
  fc.record({
    kind: fc.constant('extra' as const),
    pick: fc.nat(),
    key: fc.oneof(fc.constantFrom(...PROTO_NAMES, 'tools', 'functions', 'response_format', ''), fuzzText(1, 20)),
    value: oddValue,
  }),
  fc.record({
    kind: fc.constant('deep' as const),
    pick: fc.nat(),
    depth: fc.constantFrom(64, 1_000, 20_000, 200_000),
    open: fc.constantFrom('[', '{"a":'),
  }),
);

type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

/** Applies a value-level mutation to a copy of `body`; returns the serialised body and its parsed form. */
function applyMutation(body: unknown, mutation: Mutation): { text: string; parsed: unknown; label: string } {
  const copy = JSON.parse(JSON.stringify(body)) as unknown;
  let paths = pathsOf(copy);
  if (mutation.kind === 'string') paths = paths.filter((p) => typeof parentOf(copy, p)[p[p.length - 1]!] === 'string');
  if (mutation.kind === 'extra') {
    paths = [[], ...paths]
      .filter((p) => {
        const node: unknown = p.length === 0 ? copy : parentOf(copy, p)[p[p.length - 1]!];
        return typeof node === 'object' && node !== null && !Array.isArray(node);
      })
      .map((p) => [...p, mutation.key]);
  }
  const path = paths.length > 0 ? paths[mutation.pick % paths.length] : undefined;
  if (!path) return { text: JSON.stringify(copy), parsed: copy, label: `${mutation.kind}: nothing to mutate` };
  const where = path.join('.') || '(body)';
  switch (mutation.kind) {
    case 'remove':
      update(copy, path, undefined, true);
      return { text: JSON.stringify(copy), parsed: copy, label: `remove ${where}` };
    case 'deep': {
      update(copy, path, RAW_MARKER);
      const close = mutation.open === '[' ? ']' : '}';
      const nested = `${mutation.open.repeat(mutation.depth)}1${close.repeat(mutation.depth)}`;
      const text = JSON.stringify(copy).replace(JSON.stringify(RAW_MARKER), nested);
      // The server parses with the same JSON.parse: what it cannot parse, it refuses; what it can, is judged by the schema.
      // Bodies nested deeper than the oracle can walk are judged only by the absence of 5xx.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined && mutation.depth > 1_000) parsed = UNJUDGED;
      return { text, parsed, label: `nest ${where} ${mutation.depth} deep` };
    }
    default:
      update(copy, path, mutation.value);
      return { text: JSON.stringify(copy), parsed: copy, label: `${mutation.kind} ${where}` };
  }
}

/** Ways to break the JSON text itself. */
const rawTexts: [string, (text: string) => string][] = [
  ['truncated', (t) => t.slice(0, Math.floor(t.length / 2))],
  ['trailing comma', (t) => `${t.slice(0, -1)},}`],
  ['single quotes', (t) => t.replace(/"/g, "'")],
  ['trailing garbage', (t) => `${t}}{`],
  ['two documents', (t) => `${t}${t}`],
  ['NaN literal', (t) => t.replace(/^\{/, '{"temperature":NaN,')],
  ['1e400 literal', (t) => t.replace(/^\{/, '{"max_tokens":1e400,')],
  ['empty', () => ''],
  ['null', () => 'null'],
  ['array of the body', (t) => `[${t}]`],
  ['string', (t) => JSON.stringify(t)],
  ['number', () => '123'],
  ['comment', (t) => `/* x */${t}`],
];

const JSON_TYPES = [
  'application/json',
  'application/JSON',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'application/json;;',
];
/** Decoded by the server with a charset other than UTF-8: whether the JSON survives depends on the text. */
const UNCERTAIN_TYPES = ['application/json; charset=utf-16', 'application/json; charset=utf-7'];
const contentTypeArb = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 12 },
  { arbitrary: fc.constantFrom(...JSON_TYPES.slice(1)), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/vnd.api+json',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset=utf-7',
      '*/*',
      'application/json, text/plain',
      'ÿ/ÿ',
    ),
    weight: 3,
  },
);
const encodingArb = fc.oneof(
  { arbitrary: fc.constant('none'), weight: 14 },
  {
    arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'gzip-garbage', 'x-unknown', 'gzip, gzip'),
    weight: 2,
  },
);

function encode(
  text: string,
  encoding: string,
): { body: string | Buffer; headers: Record<string, string>; ok: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  switch (encoding) {
    case 'none':
      return { body: text, headers: {}, ok: true };
    case 'gzip':
      return { body: gzipSync(bytes), headers: { 'content-encoding': 'gzip' }, ok: true };
    case 'deflate':
      return { body: deflateSync(bytes), headers: { 'content-encoding': 'deflate' }, ok: true };
    case 'br':
      return { body: brotliCompressSync(bytes), headers: { 'content-encoding': 'br' }, ok: true };
    case 'identity':
      return { body: text, headers: { 'content-encoding': 'identity' }, ok: true };
    case 'gzip-garbage':
      return { body: text, headers: { 'content-encoding': 'gzip' }, ok: false };
    default:
      return { body: text, headers: { 'content-encoding': encoding }, ok: false };
  }
}

/**
 * The body as zod validates it: zod skips a `__proto__` member of a free-form record (job `metadata`, payload
 * `metadata`) without checking its value, so such a body is accepted with that entry dropped. Strict objects do
 * refuse the member, so dropping it everywhere only makes the oracle more lenient there.
 */
function asZodSees(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asZodSees);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '__proto__')
      .map(([key, child]) => [key, asZodSees(child)]),
  );
}

/** Valid bodies of `schema` that every target can serve (see `servableBody`), with the model drawn from `model` and without `stream` (which would be refused). */
export function validBodyArb(schema: SchemaNode, root: unknown, model?: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  const options = { string: fuzzText, maxItems: 3, maxStringLength: 40 };
  return fc.tuple(arbitraryOf(schema, root, options), model ?? fc.constant(undefined)).map(([body, name]) => {
    const { stream: _stream, ...rest } = servableBody(body) as Record<string, unknown>;
    return name === undefined ? rest : { ...rest, model: name };
  });
}

/** A valid body, sent as is. */
export function plainBody(body: fc.Arbitrary<unknown>): fc.Arbitrary<FuzzBody> {
  return body.map((value) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
    mustReject: false,
    mutation: 'none',
  }));
}

/**
 * Mutations of valid bodies: wrong types, missing and extra members (`__proto__` too), huge and tiny numbers,
 * odd strings in any string field, deep nesting, broken JSON, other content types and encodings.
 */
export function mutatedBody(schema: SchemaNode, root: unknown, base: fc.Arbitrary<unknown>): fc.Arbitrary<FuzzBody> {
  const valueLevel = fc.tuple(base, mutationArb).map(([body, mutation]) => applyMutation(body, mutation));
  const rawLevel = fc.tuple(base, fc.nat(rawTexts.length - 1)).map(([body, i]) => {
    const [label, breakIt] = rawTexts[i]!;
    const text = breakIt(JSON.stringify(body));
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { text, parsed, label: `raw: ${label}` };
  });
  const unchanged = base.map((body) => ({ text: JSON.stringify(body), parsed: body, label: 'unchanged' }));
  return fc
    .tuple(
      fc.oneof(
        { arbitrary: valueLevel, weight: 8 },
        { arbitrary: rawLevel, weight: 2 },
        { arbitrary: unchanged, weight: 1 },
      ),
      contentTypeArb,
      encodingArb,
    )
    .map(([{ text, parsed, label }, contentType, encoding]) => {
      const encoded = encode(text, encoding);
      const parsedByServer = JSON_TYPES.includes(contentType) && encoded.ok && parsed !== undefined;
      const acceptable =
        parsed === UNJUDGED ||
        (parsedByServer && typeof parsed === 'object' && validateJson(schema, asZodSees(parsed), root).length === 0);
      return {
        headers: { ...(contentType ? { 'content-type': contentType } : {}), ...encoded.headers },
        body: encoded.body,
        mustReject: !acceptable && !UNCERTAIN_TYPES.includes(contentType),
        mutation: `${label}${contentType === 'application/json' ? '' : ` as ${contentType || 'no type'}`}${encoding === 'none' ? '' : ` (${encoding})`}`,
      };
    });
}
