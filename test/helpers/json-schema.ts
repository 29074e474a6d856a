import fc from 'fast-check';

/** A JSON Schema (2020-12) node, as the OpenAPI document holds it. */
export type SchemaNode = { [keyword: string]: unknown };

/** Resolves a local `$ref` (`#/components/schemas/Job`) against `root`; throws when it points nowhere. */
export function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) {
      throw new Error(`unresolved reference ${ref}`);
    }
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    default:
      throw new Error(`unknown JSON Schema type ${type}`);
  }
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/**
 * Checks `value` against `schema` for the keywords Switchyard's document uses; returns one line per problem
 * (empty when valid). Lengths count code points, as JSON Schema says.
 */
export function validateJson(schema: SchemaNode, value: unknown, root: unknown, path = '$'): string[] {
  if (typeof schema.$ref === 'string')
    return validateJson(resolveRef(root, schema.$ref) as SchemaNode, value, root, path);
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${path}: ${message}`);
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length > 0 && !types.some((t) => hasType(String(t), value))) fail(`expected ${types.join('|')}`);
  if ('const' in schema && !deepEqual(schema.const, value)) fail(`expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) fail('not one of the enum');
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf as SchemaNode[];
    if (!branches.some((s) => validateJson(s, value, root, path).length === 0)) fail('matches no anyOf branch');
  }
  if (Array.isArray(schema.allOf)) {
    for (const s of schema.allOf as SchemaNode[]) problems.push(...validateJson(s, value, root, path));
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (length < (num(schema.minLength) ?? 0)) fail('too short');
    if (length > (num(schema.maxLength) ?? Infinity)) fail('too long');
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) fail('does not match pattern');
  }
  if (typeof value === 'number') {
    if (value < (num(schema.minimum) ?? -Infinity)) fail('below minimum');
    if (value > (num(schema.maximum) ?? Infinity)) fail('above maximum');
    if (value <= (num(schema.exclusiveMinimum) ?? -Infinity)) fail('not above exclusiveMinimum');
    if (value >= (num(schema.exclusiveMaximum) ?? Infinity)) fail('not below exclusiveMaximum');
  }
  if (Array.isArray(value)) {
    if (value.length < (num(schema.minItems) ?? 0)) fail('too few items');
    if (value.length > (num(schema.maxItems) ?? Infinity)) fail('too many items');
    if (isObject(schema.items)) {
      const items = schema.items;
      value.forEach((item, i) => problems.push(...validateJson(items, item, root, `${path}[${i}]`)));
    }
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? (schema.properties as Record<string, SchemaNode>) : {};
    for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
      if (!Object.hasOwn(value, name)) fail(`missing ${name}`);
    }
    for (const key of Object.keys(value)) {
      const child = `${path}.${key}`;
      if (isObject(schema.propertyNames)) problems.push(...validateJson(schema.propertyNames, key, root, child));
      if (Object.hasOwn(properties, key)) {
        problems.push(...validateJson(properties[key] as SchemaNode, value[key], root, child));
      } else if (schema.additionalProperties === false) {
        fail(`unexpected member ${JSON.stringify(key)}`);
      } else if (isObject(schema.additionalProperties)) {
        problems.push(...validateJson(schema.additionalProperties, value[key], root, child));
      }
    }
  }
  return problems;
}

export interface ArbitraryOptions {
  /** Strings of `minLength`–`maxLength` UTF-16 code units (what zod counts; never more code points). */
  string: (minLength: number, maxLength: number) => fc.Arbitrary<string>;
  /** Caps arrays and free-form objects, so generated bodies stay small. */
  maxItems: number;
  /** Caps strings without a pattern. */
  maxStringLength: number;
}

/** Keeps the first `max` UTF-16 code units; a cut surrogate pair leaves a lone half, which JSON allows. */
export function truncateUtf16(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max);
}

function integerArbitrary(lo: number, hi: number): fc.Arbitrary<number> {
  const inner = fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, 2 ** 31 - 1) });
  // The bounds themselves are where validators go wrong, so they are drawn often.
  return fc.oneof({ arbitrary: inner, weight: 4 }, fc.constantFrom(lo, hi));
}

/** An arbitrary of values `schema` accepts (for the keywords `validateJson` knows). */
export function arbitraryOf(schema: SchemaNode, root: unknown, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === 'string') return arbitraryOf(resolveRef(root, schema.$ref) as SchemaNode, root, options);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (Array.isArray(schema.anyOf))
    return fc.oneof(...(schema.anyOf as SchemaNode[]).map((s) => arbitraryOf(s, root, options)));
  const type = Array.isArray(schema.type) ? String(schema.type[0]) : schema.type;
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const lo = num(schema.exclusiveMinimum) !== undefined ? num(schema.exclusiveMinimum)! + 1 : num(schema.minimum);
      const hi = num(schema.exclusiveMaximum) !== undefined ? num(schema.exclusiveMaximum)! - 1 : num(schema.maximum);
      return integerArbitrary(lo ?? Number.MIN_SAFE_INTEGER, hi ?? Number.MAX_SAFE_INTEGER);
    }
    case 'number':
      return fc.double({
        min: num(schema.minimum) ?? num(schema.exclusiveMinimum) ?? -Number.MAX_VALUE,
        max: num(schema.maximum) ?? num(schema.exclusiveMaximum) ?? Number.MAX_VALUE,
        minExcluded: schema.exclusiveMinimum !== undefined,
        maxExcluded: schema.exclusiveMaximum !== undefined,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'string': {
      const min = num(schema.minLength) ?? 0;
      const max = num(schema.maxLength) ?? Infinity;
      if (typeof schema.pattern === 'string') {
        return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && [...s].length <= max);
      }
      return options.string(min, Math.max(min, Math.min(max, options.maxStringLength)));
    }
    case 'array': {
      const items = isObject(schema.items) ? arbitraryOf(schema.items, root, options) : fc.jsonValue({ maxDepth: 1 });
      const minLength = num(schema.minItems) ?? 0;
      const maxLength = Math.max(minLength, Math.min(num(schema.maxItems) ?? Infinity, options.maxItems));
      return fc.array(items, { minLength, maxLength });
    }
    case 'object':
      return objectArbitrary(schema, root, options);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArbitrary(schema: SchemaNode, root: unknown, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  const properties = isObject(schema.properties) ? (schema.properties as Record<string, SchemaNode>) : undefined;
  if (properties) {
    const model = Object.fromEntries(
      Object.entries(properties).map(([name, child]) => [name, arbitraryOf(child, root, options)]),
    );
    const requiredKeys = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    return fc.record(model, { requiredKeys });
  }
  if (isObject(schema.additionalProperties)) {
    const keys = isObject(schema.propertyNames)
      ? (arbitraryOf(schema.propertyNames, root, options) as fc.Arbitrary<string>)
      : options.string(0, options.maxStringLength);
    return fc.dictionary(keys, arbitraryOf(schema.additionalProperties, root, options), {
      maxKeys: options.maxItems,
    });
  }
  return fc.constant({});
}
