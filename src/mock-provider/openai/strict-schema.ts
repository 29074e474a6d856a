import { isJsonObject } from '../json';

/** Keywords whose value is one subschema. */
const SUBSCHEMA_KEYS = ['items', 'additionalProperties', 'not'] as const;
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LIST_KEYS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAP_KEYS = ['properties', '$defs', 'definitions'] as const;

/**
 * Why a schema sent with `strict: true` is one OpenAI's structured outputs refuse, or undefined when it is
 * accepted. Strict mode needs every object to close itself (`additionalProperties: false`) and to require
 * each of its properties, so the model can be held to the schema exactly; the real API answers anything
 * else with a 400, and so does the mock, so a caller finds out before it meets the real API.
 */
export function strictSchemaProblem(schema: unknown): string | undefined {
  return problemAt(schema, [], 0);
}

/** Deeper than any schema a caller writes by hand; guards against a cyclic object built in code. */
const MAX_DEPTH = 64;

function problemAt(schema: unknown, path: readonly string[], depth: number): string | undefined {
  if (!isJsonObject(schema) || depth > MAX_DEPTH) return undefined;
  const context = `In context=(${path.map((segment) => `'${segment}'`).join(', ')})`;
  const isObject = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'));
  if (isObject || isJsonObject(schema.properties)) {
    if (schema.additionalProperties !== false) {
      return `${context}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const keys = isJsonObject(schema.properties) ? Object.keys(schema.properties) : [];
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = keys.filter((key) => !required.includes(key));
    if (missing.length > 0) {
      return `${context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    }
  }
  for (const key of SUBSCHEMA_KEYS) {
    const problem = problemAt(schema[key], [...path, key], depth + 1);
    if (problem !== undefined) return problem;
  }
  for (const key of SCHEMA_LIST_KEYS) {
    const list: unknown = schema[key];
    if (!Array.isArray(list)) continue;
    for (const [index, item] of (list as unknown[]).entries()) {
      const problem = problemAt(item, [...path, key, String(index)], depth + 1);
      if (problem !== undefined) return problem;
    }
  }
  for (const key of SCHEMA_MAP_KEYS) {
    const map = schema[key];
    if (!isJsonObject(map)) continue;
    for (const [name, item] of Object.entries(map)) {
      const problem = problemAt(item, [...path, key, name], depth + 1);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}
