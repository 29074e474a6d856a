import { createHash } from 'node:crypto';
import type { ChatRequest } from '../contract/chat';

/** JSON with object keys sorted, so equal requests hash equally whatever order their fields came in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The response-cache key of a request: a hash of everything that shapes the answer (model or route,
 * messages, sampling parameters), scoped by tenant — or by the shared scope for tenants that opt in.
 * `user` is left out: it labels the caller, it does not change the answer.
 */
export function cacheKeyOf(scope: string, request: ChatRequest): string {
  const { user: _user, ...shaping } = request;
  return createHash('sha256')
    .update(canonicalJson({ scope, request: shaping }))
    .digest('hex');
}
