/**
 * Narrowing helpers for bodies that arrive as `unknown`: provider responses are checked field by field
 * rather than trusted, so a body that breaks the documented shape becomes a classified failure instead of
 * a `TypeError` deep inside an adapter.
 */

/** True for a plain JSON object (not `null`, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The string at `key`, or `undefined` when it is missing or not a string. */
export function stringField(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  return typeof field === 'string' ? field : undefined;
}

/** The finite number at `key`, or `undefined` when it is missing or not a number. */
export function numberField(value: unknown, key: string): number | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  return typeof field === 'number' && Number.isFinite(field) ? field : undefined;
}

/** Parses JSON without throwing: `undefined` when `text` is not JSON. */
export function parseJsonSafely(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
