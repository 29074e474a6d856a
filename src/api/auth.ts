import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-error';

export interface ApiKeyAuthOptions {
  /** The accepted key; null turns authentication off (only for local development). */
  apiKey: string | null;
  /** The tenant every request with this key acts as. */
  tenantId?: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Reads the bearer key (`Authorization: Bearer …`, as the openai SDK sends it) or `x-api-key`. */
function presentedKey(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim();
  return req.get('x-api-key')?.trim();
}

/** Guards the API with a bearer key and records the caller's tenant in `res.locals.tenantId`. */
export function apiKeyAuth({ apiKey, tenantId = 'default' }: ApiKeyAuthOptions) {
  const expected = apiKey === null ? null : digest(apiKey);
  return function authenticate(req: Request, res: Response, next: NextFunction): void {
    if (expected) {
      const key = presentedKey(req);
      if (!key) {
        throw new HttpError(401, 'missing_api_key', 'Send your API key as "Authorization: Bearer <key>".');
      }
      // Hashing first gives equal lengths, so the comparison takes the same time whatever the key.
      if (!timingSafeEqual(digest(key), expected)) {
        throw new HttpError(401, 'invalid_api_key', 'The API key is not valid.');
      }
    }
    res.locals.tenantId = tenantId;
    next();
  };
}

/** The authenticated caller's tenant. */
export function tenantOf(res: Response): string {
  const tenantId: unknown = res.locals.tenantId;
  if (typeof tenantId !== 'string') throw new Error('tenantOf() called on a route without apiKeyAuth');
  return tenantId;
}
