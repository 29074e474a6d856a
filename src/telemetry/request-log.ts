import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type Options } from 'pino-http';
import { jobIdOfWorkflow, notedJobRun, withRequestLocals } from './job-log-context';

/**
 * The job a request concerns: in its path (a job, a bulk replay, or a batch job, whose batch id is its job id), in
 * the `Location` of a 202, or in the completions' job header.
 */
const JOB_IN_PATH = /^\/v1\/(?:jobs|batches)\/((?:job|bulk)_[^/?#]+)/;

/** Probes answer every few seconds; logging them would drown the requests a person is looking for. */
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz']);

/**
 * pino-http options for one line per request: method, path, status and duration in the message, and the job
 * id, tenant, model and cost as fields when the request concerned them. Request and response headers are
 * logged only at debug level: at info they made every line several hundred characters long.
 */
export function requestLogOptions(logger: Logger): Options {
  const withHeaders = () => logger.isLevelEnabled('debug');
  return {
    logger,
    autoLogging: { ignore: (req) => UNLOGGED_PATHS.has(req.url ?? '') },
    serializers: {
      req: (req: SerializedRequest) => (withHeaders() ? req : { id: req.id, method: req.method, url: req.url }),
      res: (res: SerializedResponse) => (withHeaders() ? res : { statusCode: res.statusCode }),
    },
    // Called once as the request starts (nothing is known yet) and once as it ends.
    customProps: (req, res) => (res.writableEnded || res.headersSent ? requestFields(req, res) : {}),
    // A failed request is an error line; the error handler has already logged its cause with the stack.
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customErrorObject: (_req, res, error, fields: Record<string, unknown>) =>
      error.message === `failed with status code ${res.statusCode}` ? withoutKey(fields, 'err') : fields,
    customSuccessMessage: (req, res, responseTime) => requestLine(req, res, responseTime),
    // pino-http passes the duration to this one too, though its types leave it out.
    customErrorMessage: (req, res, _error, responseTime?: number) => requestLine(req, res, responseTime),
  };
}

/** Fields a handler that answered without Express knows of its request (Express's are read from it). */
export type KnownRequestFields = Record<string, string | number>;

/** Writes the request log. */
export interface RequestLog {
  /** Express middleware: logs each request that `track` has not already taken on. */
  middleware(req: IncomingMessage, res: ServerResponse, next: () => void): void;
  /**
   * Logs `req` once its response is done, from now on. `known`, when it returns fields, stands in for what
   * Express would have told of a request answered without it. False (and nothing done) when the line must come
   * from pino-http, at debug level.
   */
  track(req: IncomingMessage, res: ServerResponse, known?: () => KnownRequestFields | undefined): boolean;
}

/**
 * The request log: the line `requestLogOptions` describes, one per request. At debug level (with headers)
 * pino-http writes it; at info and above the same line is written directly, since pino-http's two child
 * loggers per request were a large share of a cache hit's cost.
 */
export function createRequestLog(logger: Logger): RequestLog {
  const withHeaders = pinoHttp(requestLogOptions(logger));
  // The line written here holds only the fields built below, none of them a credential, so it skips the
  // process logger's redaction, whose wildcard path walked every line's fields: about a third of the line's cost.
  const lineLogger = logger.child({}, { redact: [] });
  const tracked = new WeakSet<IncomingMessage>();
  let lastId = 0;
  const track = (req: IncomingMessage, res: ServerResponse, known?: () => KnownRequestFields | undefined): boolean => {
    if (logger.isLevelEnabled('debug')) return false;
    tracked.add(req);
    const started = Date.now();
    // The same ids pino-http gives: a counter per process.
    lastId = (lastId + 1) & 0x7fffffff;
    const id = lastId;
    // 'close' follows 'finish' on a response that completed and also comes alone on one that was cut short.
    res.once('close', () => {
      const responseTime = Date.now() - started;
      const fields = {
        req: { id, method: req.method, url: originalUrl(req) },
        ...(known?.() ?? requestFields(req, res)),
        res: { statusCode: res.statusCode },
        responseTime,
      };
      const line = requestLine(req, res, responseTime);
      if (res.statusCode >= 500) lineLogger.error(fields, line);
      else lineLogger.info(fields, line);
    });
    return true;
  };
  return {
    track,
    middleware(req, res, rawNext) {
      // The rest of the request runs where the job service can note the run it starts or reads (see `noteJobRun`).
      const next = () => withRequestLocals(localsOf(res), rawNext);
      if (tracked.has(req)) {
        // A handler in front of Express took it on; Express only finishes what that handler passed on.
        next();
        return;
      }
      if (logger.isLevelEnabled('debug')) {
        withHeaders(req, res, next);
        return;
      }
      if (!UNLOGGED_PATHS.has(req.url ?? '')) track(req, res);
      next();
    },
  };
}

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
}

interface SerializedResponse {
  statusCode?: number;
  headers?: Record<string, unknown>;
}

function requestLine(req: IncomingMessage, res: ServerResponse, responseTime: number | undefined): string {
  const path = originalUrl(req);
  const took = responseTime === undefined ? '' : ` ${responseTime}ms`;
  return `${req.method ?? '?'} ${path} ${res.statusCode}${took}`;
}

/**
 * Job id (with its workflow and run), tenant, model and cost of a finished request, as far as the request, its
 * response and what the job service noted in `res.locals` tell.
 */
export function requestFields(req: IncomingMessage, res: ServerResponse): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  const noted = notedJobRun(localsOf(res));
  const jobId = jobIdOf(req, res) ?? (noted && jobIdOfWorkflow(noted.workflowId));
  if (jobId) {
    fields.jobId = jobId;
    // The job id is its workflow's id; the run is known when this request started or read that workflow.
    fields.workflowId = jobId;
    if (noted?.workflowId === jobId && noted.runId) fields.runId = noted.runId;
  }
  const tenantId = localsOf(res).tenantId;
  if (typeof tenantId === 'string') fields.tenantId = tenantId;
  const model = modelOf(req, res);
  if (model) fields.model = model;
  const cost = Number(res.getHeader('x-switchyard-cost-usd'));
  if (res.hasHeader('x-switchyard-cost-usd') && Number.isFinite(cost)) fields.costUsd = cost;
  return fields;
}

function jobIdOf(req: IncomingMessage, res: ServerResponse): string | undefined {
  const header = res.getHeader('x-switchyard-job-id');
  if (typeof header === 'string') return header;
  for (const path of [res.getHeader('location'), originalUrl(req)]) {
    const match = typeof path === 'string' ? JOB_IN_PATH.exec(path) : null;
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/**
 * The model the client asked for (the parsed body), else the one that answered (`provider:model` header). Not from
 * a body refused as invalid (400): its fields hold whatever the client sent, a key or a prompt pasted in the wrong
 * place included.
 */
function modelOf(req: IncomingMessage, res: ServerResponse): string | undefined {
  const body: unknown = res.statusCode === 400 ? undefined : (req as IncomingMessage & { body?: unknown }).body;
  if (body && typeof body === 'object' && 'model' in body && typeof body.model === 'string') return body.model;
  const answered = res.getHeader('x-switchyard-provider');
  return typeof answered === 'string' ? answered.slice(answered.indexOf(':') + 1) : undefined;
}

function localsOf(res: ServerResponse): Record<string, unknown> {
  const locals: unknown = (res as ServerResponse & { locals?: unknown }).locals;
  return locals && typeof locals === 'object' ? (locals as Record<string, unknown>) : {};
}

/** Express rewrites `req.url` inside routers; `originalUrl` is the path the client sent. */
function originalUrl(req: IncomingMessage): string {
  const original: unknown = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  return typeof original === 'string' ? original : (req.url ?? '');
}

/** `fields` without `key`: pino-http's stand-in error ("failed with status code 500") says nothing the line does not. */
function withoutKey(fields: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => name !== key));
}
