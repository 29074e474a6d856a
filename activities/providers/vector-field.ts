import { isRecord } from './json-fields';

/** The array of finite numbers at `key`, or `undefined` when it is missing, empty or holds anything else. */
export function vectorField(value: unknown, key: string): number[] | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  if (!Array.isArray(field) || field.length === 0) return undefined;
  const vector: number[] = [];
  for (const item of field) {
    if (typeof item !== 'number' || !Number.isFinite(item)) return undefined;
    vector.push(item);
  }
  return vector;
}
