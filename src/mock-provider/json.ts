/** A parsed JSON object whose fields have not been checked yet. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a request body; `undefined` means the body is not valid JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A positive integer token limit, `undefined` when absent, or `'invalid'` when present but unusable. */
export function readTokenLimit(value: unknown): number | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 'invalid';
}

/** The finite number at `field` of a usage object, or 0 when it is absent: how clients read token counts. */
export function tokenCount(object: JsonObject | undefined, field: string): number {
  const value = object?.[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
