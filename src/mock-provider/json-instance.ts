import { fnv1a } from './prng';
import { isJsonObject, type JsonObject } from './json';

/** How deep a schema is followed; deeper (or recursive) schemas get their simplest value. */
const MAX_DEPTH = 12;

/**
 * A JSON value that satisfies `schema` (the subset of JSON Schema that tool parameters and structured
 * outputs use: types, properties and required, items, enum, const, anyOf/oneOf, $ref into $defs, numeric
 * and length bounds), derived from `seed` so equal requests get equal answers. Strings echo words of the seed,
 * so a test can tell which request an answer belongs to.
 */
export function instanceOfSchema(schema: unknown, seed: string): unknown {
  const words = seed.split(/\s+/).filter((w) => w.length > 0);
  return instance(schema, isJsonObject(schema) ? schema : {}, { words, next: fnv1a(seed) }, 0, 'value');
}

interface Draw {
  words: string[];
  next: number;
}

function instance(schema: unknown, root: JsonObject, draw: Draw, depth: number, name: string): unknown {
  if (!isJsonObject(schema)) return name;
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(schema.$ref, root);
    return depth >= MAX_DEPTH ? null : instance(target, root, draw, depth + 1, name);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0)
    return allOfInstance(schema.allOf, root, draw, depth, name);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options: unknown = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      const choices = options as unknown[];
      // The first option that is not `null`, so that a nullable field gets a value a caller can look at.
      const first = choices.find((option) => !(isJsonObject(option) && option.type === 'null')) ?? choices[0];
      return instance(first, root, draw, depth + 1, name);
    }
  }
  const declared: unknown = schema.type;
  const type: unknown = Array.isArray(declared)
    ? ((declared as unknown[]).find((t) => t !== 'null') ?? 'null')
    : declared;
  switch (type) {
    case 'object':
      return objectInstance(schema, root, draw, depth, name);
    case 'array':
      return arrayInstance(schema, root, draw, depth, name);
    case 'string':
      return stringInstance(schema, draw, name);
    case 'integer':
      return numberInstance(schema, true);
    case 'number':
      return numberInstance(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      // No type: what the keywords imply (zod writes `{}` for unknown, the name is as good a value as any).
      if (isJsonObject(schema.properties)) return objectInstance(schema, root, draw, depth, name);
      if (schema.items !== undefined || Array.isArray(schema.prefixItems)) {
        return arrayInstance(schema, root, draw, depth, name);
      }
      return name;
  }
}

/** `allOf`: the instances of the parts merged when they are objects (the usual use), else the first part's. */
function allOfInstance(parts: unknown[], root: JsonObject, draw: Draw, depth: number, name: string): unknown {
  const values = parts.map((part) => instance(part, root, draw, depth + 1, name));
  if (values.every(isJsonObject)) return Object.assign({}, ...values) as JsonObject;
  return values[0];
}

function resolveRef(ref: string, root: JsonObject): unknown {
  if (ref === '#') return root;
  const path = ref.replace(/^#\//, '').split('/');
  let node: unknown = root;
  for (const segment of path)
    node = isJsonObject(node) ? node[segment.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return node;
}

function objectInstance(schema: JsonObject, root: JsonObject, draw: Draw, depth: number, _name: string): JsonObject {
  const out: JsonObject = {};
  if (depth >= MAX_DEPTH) return out;
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [];
  // Every declared property is filled (strict schemas require them all); required names without a schema too.
  for (const [key, property] of Object.entries(properties)) out[key] = instance(property, root, draw, depth + 1, key);
  for (const key of required) if (!(key in out)) out[key] = key;
  return out;
}

function arrayInstance(schema: JsonObject, root: JsonObject, draw: Draw, depth: number, name: string): unknown[] {
  const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : Math.max(min, 1);
  const count = Math.min(Math.max(min, 1), max);
  if (depth >= MAX_DEPTH) return [];
  if (Array.isArray(schema.prefixItems)) {
    return schema.prefixItems.map((item, i) => instance(item, root, draw, depth + 1, `${name}${i}`));
  }
  return Array.from({ length: count }, (_, i) => instance(schema.items, root, draw, depth + 1, `${name}${i}`));
}

function stringInstance(schema: JsonObject, draw: Draw, name: string): string {
  switch (schema.format) {
    case 'date-time':
      return '2026-01-01T00:00:00Z';
    case 'date':
      return '2026-01-01';
    case 'time':
      return '00:00:00';
    case 'email':
      return 'mock@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/mock';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
  }
  const word = draw.words.length > 0 ? draw.words[draw.next++ % draw.words.length] : undefined;
  let text = word ?? name;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  if (text.length < min) text = text.padEnd(min, 'x');
  return text.slice(0, max);
}

function numberInstance(schema: JsonObject, integer: boolean): number {
  const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : integer ? 1 : 0;
  const lower =
    typeof schema.minimum === 'number'
      ? schema.minimum
      : typeof schema.exclusiveMinimum === 'number'
        ? schema.exclusiveMinimum + (step || 0.5)
        : undefined;
  const upper =
    typeof schema.maximum === 'number'
      ? schema.maximum
      : typeof schema.exclusiveMaximum === 'number'
        ? schema.exclusiveMaximum - (step || 0.5)
        : undefined;
  // 1 when the bounds allow it (zod bounds every integer by the safe-integer range), else the nearest bound.
  let value = Math.min(Math.max(1, lower ?? -Infinity), upper ?? Infinity);
  if (step > 0) {
    value = Math.ceil(value / step) * step;
    if (upper !== undefined && value > upper) value = Math.floor(upper / step) * step;
  }
  return value;
}
