import type { NextFunction, Request, Response } from 'express';
import { hashApiKey, type Config } from '../config';
import { HttpError } from './http-error';

/** Reads the bearer key (`Authorization: Bearer …`, as the openai SDK sends it) or `x-api-key`. */
function presentedKey(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim();
  return req.get('x-api-key')?.trim();
}

function requireKey(req: Request): string {
  const key = presentedKey(req);
  if (!key) throw new HttpError(401, 'missing_api_key', 'Send your API key as "Authorization: Bearer <key>".');
  return key;
}

/**
 * Authenticates a tenant by API key and records it in `res.locals`. Keys are compared by their sha256
 * hash, the only form the config holds.
 */
export function tenantAuth(config: Config) {
  const tenantByKeyHash = new Map<string, string>();
  for (const [id, tenant] of Object.entries(config.tenants)) {
    for (const hash of tenant.apiKeys) tenantByKeyHash.set(hash, id);
  }
  return function authenticateTenant(req: Request, res: Response, next: NextFunction): void {
    const tenantId = tenantByKeyHash.get(hashApiKey(requireKey(req)));
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
