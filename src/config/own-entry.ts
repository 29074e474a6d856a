/**
 * The value `record` holds under `key` itself, or undefined. Records of config (models, routes, tenants,
 * providers) are plain objects indexed by names that requests supply, so a plain `record[key]` would find
 * inherited members such as `constructor` or `__proto__` and treat a function as a configured entry.
 */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** True when `record` itself holds `key` (inherited members do not count). */
export function hasOwnEntry(record: Readonly<Record<string, unknown>>, key: string): boolean {
  return Object.hasOwn(record, key);
}
