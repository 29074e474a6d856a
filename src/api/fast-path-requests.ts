import type { IncomingMessage, ServerResponse } from 'node:http';
import { BoundedMemo, type MemoBounds } from './fast-path-memo';

/** Bodies longer than this are planned every time: requests that repeat verbatim are small. */
export const MAX_REMEMBERED_BODY_BYTES = 16 * 1024;

/** What the fast path needs of a planned cacheable request. */
export interface PlannedLookup {
  /** The response-cache key of the request. */
  cacheKey: string;
  /** The tokens the rate limiter counts for it. */
  tokenEstimate: number;
  /** The model the client asked for (for the request log). */
  model: string;
}

/** The memo's key: tenant, charset and the body's exact bytes. */
function bodyKey(tenantId: string, encoding: string, raw: Buffer): string {
  return `${tenantId}\n${encoding}\n${raw.toString('latin1')}`;
}

/**
 * Recognises a request body the fast path has already validated and planned for the same tenant, byte for
 * byte, so a repeated request skips validation, planning and hashing. Planning reads only the request and
 * the configuration, which does not change while the process runs; so entries are dropped only for room.
 */
export class FastPathRequests {
  private readonly rawBodies = new WeakMap<IncomingMessage, { encoding: string; raw: Buffer }>();
  private readonly planned: BoundedMemo<PlannedLookup>;

  constructor(bounds: MemoBounds = { maxEntries: 1000, maxBytes: 8 * 1024 * 1024 }) {
    this.planned = new BoundedMemo(bounds);
  }

  /** `express.json`'s `verify` hook: keeps the raw bytes of small bodies, with the charset they were read in. */
  readonly capture = (req: IncomingMessage, _res: ServerResponse, raw: Buffer, encoding: string): void => {
    if (raw.length <= MAX_REMEMBERED_BODY_BYTES) this.rawBodies.set(req, { encoding, raw });
  };

  /** The lookup planned earlier for this tenant and this request's bytes, if any. */
  known(tenantId: string, req: IncomingMessage): PlannedLookup | undefined {
    const body = this.rawBodies.get(req);
    return body && this.knownBytes(tenantId, body.encoding, body.raw);
  }

  /** The lookup planned earlier for this tenant and these bytes read in `encoding`, if any. */
  knownBytes(tenantId: string, encoding: string, raw: Buffer): PlannedLookup | undefined {
    return this.planned.get(bodyKey(tenantId, encoding, raw), Date.now());
  }

  /** Remembers the lookup planned for this request's bytes. */
  remember(tenantId: string, req: IncomingMessage, lookup: PlannedLookup): void {
    const body = this.rawBodies.get(req);
    if (!body) return;
    const key = bodyKey(tenantId, body.encoding, body.raw);
    this.planned.set(key, lookup, key.length + lookup.cacheKey.length + lookup.model.length, Number.POSITIVE_INFINITY);
  }
}
