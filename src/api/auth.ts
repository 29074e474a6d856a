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

/**
 * Authenticates `/v1/jobs` callers: a tenant by its key, or an operator by an admin key. An operator names a
 * tenant with `?tenant=` (required to submit, optional elsewhere); a tenant key naming another tenant is a 403.
 */
export function jobsAuth(config: Config, tenantOfKey: TenantOfKey = tenantKeys(config)) {
  const adminHashes = new Set(config.adminKeyHashes);
  return function authenticateJobsCaller(req: Request, res: Response, next: NextFunction): void {
    const key = requireKey(req);
    const named = namedTenant(req);
    const tenantId = tenantOfKey(key);
    if (tenantId) {
      if (named !== undefined && named !== tenantId) {
        throw new HttpError(403, 'tenant_mismatch', 'This API key belongs to another tenant than the one named.', {
          param: 'tenant',
        });
      }
      res.locals.tenantId = tenantId;
    } else if (adminHashes.has(hashApiKey(key))) {
      if (named !== undefined && !Object.hasOwn(config.tenants, named)) {
        throw new HttpError(400, 'unknown_tenant', `query parameter tenant: no tenant "${named}" is configured.`, {
          param: 'tenant',
        });
      }
      res.locals.operator = true;
      if (named !== undefined) res.locals.tenantId = named;
    } else {
      throw new HttpError(401, 'invalid_api_key', 'The API key is not valid.');
    }
    next();
  };
}

/** The `tenant` query parameter, when given once. */
function namedTenant(req: Request): string | undefined {
  const value: unknown = req.query.tenant;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new HttpError(400, 'invalid_parameter', 'query parameter tenant: give one tenant id.', { param: 'tenant' });
  }
  return value;
}

/** Whether the caller authenticated with an operator key. */
export function isOperator(res: Response): boolean {
  return res.locals.operator === true;
}

/**
 * The tenants whose jobs the caller may see: its own tenant's id, or null for an operator (every tenant).
 * An operator's `?tenant=` narrows lists and bulk replays (see `listScopeOf`), not the reach of one job.
 */
export function jobScopeOf(res: Response): string | null {
  return isOperator(res) ? null : tenantOf(res);
}

/** The tenant a list or bulk replay is limited to: the caller's, the one an operator named, or null for all. */
export function listScopeOf(res: Response): string | null {
  const tenantId: unknown = res.locals.tenantId;
  if (typeof tenantId === 'string') return tenantId;
  if (isOperator(res)) return null;
  throw new Error('listScopeOf() called on a route without jobsAuth');
}

/** The tenant a new job runs as: the caller's, or the one an operator named (400 when an operator named none). */
export function submitterOf(res: Response): string {
  if (isOperator(res) && typeof res.locals.tenantId !== 'string') {
    throw new HttpError(400, 'tenant_required', 'An operator submits jobs for a tenant: add ?tenant=<tenant id>.', {
      param: 'tenant',
    });
  }
  return tenantOf(res);
}
