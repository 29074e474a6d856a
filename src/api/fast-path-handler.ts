import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiMetrics } from '../telemetry/api-metrics';
import type { RequestLog } from '../telemetry/request-log';
import { presentedKey, type TenantOfKey } from './auth';
import { sendHeldAnswer, type FastPathAnswer, type FastPathAnswers } from './fast-path-answers';
import { MAX_REMEMBERED_BODY_BYTES, type FastPathRequests } from './fast-path-requests';
import type { TenantRateLimiter } from './rate-limits';

/** The path the handler answers; anything else (a query string, a trailing slash) goes to Express. */
const CHAT_COMPLETIONS = '/v1/chat/completions';

/** The content types read here; any other goes to Express, whose body parser knows them all. */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/** UTF-8's byte order mark, which the body parser drops before parsing. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export interface FastPathHandlerDeps {
  /** The API's body limit (`api.bodyLimit`, e.g. "1mb"): a larger body is Express's to refuse. */
  bodyLimit: string;
  tenantOfKey: TenantOfKey;
  limiter: TenantRateLimiter;
  requests: FastPathRequests;
  answers: FastPathAnswers;
  metrics: ApiMetrics;
  requestLog: RequestLog;
}

/** Express's own entry, to which every request the handler does not answer is passed. */
export type ExpressEntry = (req: IncomingMessage, res: ServerResponse) => void;

/** The body the handler read before passing a request on, for the chat route's body parser step. */
export type PreReadBody = { ok: true } | { ok: false; error: Error };

/**
 * Answers repeated cache hits of `POST /v1/chat/completions` before Express sees them: setting up Express's
 * request and response objects and walking its router cost several times what the answer itself does. A
 * request is answered here only when everything is already known: the API key authenticated before, its
 * tenant has no rate limit, its exact body was validated and planned before, and the process holds that
 * plan's fresh answer. Anything else goes to Express unchanged (with its body, once read, already parsed
 * the way the body parser would have), so every rule and error stays where it is.
 */
export class FastPathHandler {
  private readonly preRead = new WeakMap<IncomingMessage, PreReadBody>();

  private readonly maxBodyBytes: number;

  constructor(private readonly deps: FastPathHandlerDeps) {
    this.maxBodyBytes = Math.min(MAX_REMEMBERED_BODY_BYTES, limitBytes(deps.bodyLimit));
  }

  /** Answers `req` or passes it to `express`. */
  handle(req: IncomingMessage, res: ServerResponse, express: ExpressEntry): void {
    const tenantId = this.candidateTenant(req);
    let served: Record<string, string | number> | undefined;
    if (tenantId === undefined || !this.deps.requestLog.track(req, res, () => served)) {
      express(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onError = (error: Error) => {
      req.off('data', onData).off('end', onEnd);
      this.preRead.set(req, { ok: false, error: Object.assign(error, { status: 400, type: 'request.aborted' }) });
      express(req, res);
    };
    const onEnd = () => {
      req.off('error', onError).off('data', onData);
      const raw = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
      const lookup = this.deps.requests.knownBytes(tenantId, 'utf-8', raw);
      const answer = lookup && this.deps.answers.held(lookup.cacheKey);
      if (lookup && answer) {
        served = { tenantId, model: lookup.model, costUsd: 0 };
        this.send(res, tenantId, answer);
        return;
      }
      this.passOn(req, res, raw, express);
    };
    req.on('data', onData).once('end', onEnd).once('error', onError);
  }

  /**
   * The chat route's body step: a body read here is forwarded as its parse error or, parsed, left to the body
   * parser, which skips a request whose body was already read.
   */
  bodyStep<Req extends IncomingMessage, Res extends ServerResponse>(
    parser: (req: Req, res: Res, next: (err?: unknown) => void) => void,
  ) {
    return (req: Req, res: Res, next: (err?: unknown) => void): void => {
      const read = this.preRead.get(req);
      if (read && !read.ok) next(read.error);
      else parser(req, res, next);
    };
  }

  /** The tenant of a request this handler may answer, judging by its line and headers alone. */
  private candidateTenant(req: IncomingMessage): string | undefined {
    if (req.method !== 'POST' || req.url !== CHAT_COMPLETIONS) return undefined;
    const { headers } = req;
    const type = headers['content-type'];
    if (type === undefined || !PLAIN_JSON.has(type.toLowerCase())) return undefined;
    if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return undefined;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= this.maxBodyBytes)) return undefined;
    const key = presentedKey(headers);
    const tenantId = key ? this.deps.tenantOfKey(key) : undefined;
    // A limited tenant's every request is counted in the shared store, with its 429 rendered by Express.
    return tenantId === undefined || this.deps.limiter.isLimited(tenantId) ? undefined : tenantId;
  }

  private send(res: ServerResponse, tenantId: string, answer: FastPathAnswer): void {
    this.deps.metrics.cacheFastPathHits.inc({ tenant: tenantId });
    sendHeldAnswer(res, answer);
  }

  /** Hands a request whose body was read here to Express, with the body as the body parser would give it. */
  private passOn(req: IncomingMessage, res: ServerResponse, raw: Buffer, express: ExpressEntry): void {
    const text = (raw.subarray(0, 3).equals(BOM) ? raw.subarray(3) : raw).toString('utf8');
    // `trimStart` drops more than JSON's whitespace, but `JSON.parse` then refuses what it dropped, as the body
    // parser does.
    const first = text.trimStart()[0];
    try {
      // The body parser's strict mode: only an object or an array is a JSON body (an empty one reads as {}).
      if (text.length > 0 && first !== '{' && first !== '[')
        throw new SyntaxError('The body is not a JSON object or array');
      Object.assign(req, { body: text.length > 0 ? (JSON.parse(text) as unknown) : {} });
      this.deps.requests.capture(req, res, raw, 'utf-8');
      this.preRead.set(req, { ok: true });
    } catch (err) {
      const error = err instanceof Error ? err : new SyntaxError(String(err));
      this.preRead.set(req, { ok: false, error: Object.assign(error, { status: 400, type: 'entity.parse.failed' }) });
    }
    express(req, res);
  }
}

/** Bytes of a size like "512kb" or "1mb" (the config's form; k and m are 1024 and 1024², as the body parser reads them). */
export function limitBytes(limit: string): number {
  const match = /^(\d+)(kb|mb)$/.exec(limit);
  if (!match) return 0;
  return Number(match[1]) * (match[2] === 'mb' ? 1024 * 1024 : 1024);
}
