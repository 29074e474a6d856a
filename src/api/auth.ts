import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { hashApiKey, type Config } from '../config';
import { HttpError } from './http-error';

/** Reads the bearer key (`Authorization: Bearer …`, as the openai SDK sends it) or `x-api-key`. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim();
  const apiKey = headers['x-api-key'];
  return (Array.isArray(apiKey) ? apiKey[0] : apiKey)?.trim();
}

function requireKey(req: Request): string {
  const key = presentedKey(req.headers);
  if (!key) throw new HttpError(401, 'missing_api_key', 'Send your API key as "Authorization: Bearer <key>".');
  return key;
}

/** The tenant a presented API key belongs to, or undefined for a key that is not valid. */
export type TenantOfKey = (key: string) => string | undefined;

/**
 * Looks tenants up by API key. Keys are compared by their sha256 hash, the only form the config holds;
 * hashing every request's key is a measurable share of a cache hit, so keys that authenticated once are
 * remembered (invalid ones never are, so guessing cannot grow the map past the configured keys).
 */
export function tenantKeys(config: Config): TenantOfKey {
  const tenantByKeyHash = new Map<string, string>();
  for (const [id, tenant] of Object.entries(config.tenants)) {
    for (const hash of tenant.apiKeys) tenantByKeyHash.set(hash, id);
  }
  const tenantByKey = new Map<string, string>();
  return (key) => {
    const known = tenantByKey.get(key);
    if (known !== undefined) return known;
    const tenantId = tenantByKeyHash.get(hashApiKey(key));
    if (tenantId !== undefined) tenantByKey.set(key, tenantId);
    return tenantId;
  };
}

/** Authenticates a tenant by API key and records it in `res.locals`. */
export function tenantAuth(config: Config, tenantOfKey: TenantOfKey = tenantKeys(config)) {
  return function authenticateTenant(req: Request, res: Response, next: NextFunction): void {
    const tenantId = tenantOfKey(requireKey(req));
    if (!tenantId) throw new HttpError(401, 'invalid_api_key', 'The API key is not valid.');
    res.locals.tenantId = tenantId;
    next();
  };
}

/** Authenticates an operator for the admin endpoints. */
export function adminAuth(config: Config) {
  const hashes = new Set(config.adminKeyHashes);
  return function authenticateAdmin(req: Request, _res: Response, next: NextFunction): void {
    if (!hashes.has(hashApiKey(requireKey(req)))) {
      throw new HttpError(403, 'admin_key_required', 'This endpoint needs an operator key (SWITCHYARD_ADMIN_KEY).');
    }
    next();
  };
}

/** The authenticated caller's tenant id. */
export function tenantOf(res: Response): string {
  const tenantId: unknown = res.locals.tenantId;
  if (typeof tenantId !== 'string') throw new Error('tenantOf() called on a route without tenantAuth');
  return tenantId;
}
