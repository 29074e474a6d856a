import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { HttpError } from './http-error';
import { storeUnavailable } from './store-errors';
import { isTemporalUnavailable, temporalUnavailable } from './temporal-errors';
import { isStoreUnavailable } from '../stores/shared/store-unavailable';

/** Marks a router's errors to be rendered in OpenAI's error shape, so OpenAI SDKs parse them. */
export function openAIErrorFormat(_req: Request, res: Response, next: NextFunction): void {
  res.locals.errorFormat = 'openai';
  next();
}

/** OpenAI's error `type` for each status (`api_error` for the rest). */
export const OPENAI_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** The HTTP error any thrown value becomes: its own, a body parser's, an outage's 503, or a 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const bodyError = err as { type?: unknown; status?: unknown };
  if (bodyError.type === 'entity.too.large') {
    return new HttpError(413, 'payload_too_large', 'The request body is larger than the configured limit.');
  }
  if (bodyError.type === 'entity.parse.failed') {
    return new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (bodyError.type === 'encoding.unsupported' || bodyError.type === 'charset.unsupported') {
    return new HttpError(415, 'unsupported_encoding', 'Send the body as UTF-8 JSON.');
  }
  // The router and body parser flag other bad requests with a 4xx status: a path that is not valid
  // percent-encoding, a body that does not decompress. The request was wrong, not the server.
  if (err instanceof URIError && bodyError.status === 400) {
    return new HttpError(400, 'invalid_path', 'The request path is not valid percent-encoding.');
  }
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    return new HttpError(bodyError.status, 'invalid_body', 'The request body could not be read.');
  }
  if (isTemporalUnavailable(err)) return temporalUnavailable();
  // Whatever route reached a store that is down: a 503 the client retries, never a 500.
  if (isStoreUnavailable(err)) return storeUnavailable(err);
  return new HttpError(500, 'internal_error', 'Internal error.');
}

/** The one error middleware, registered last: every error leaves as one JSON shape with a stable code. */
export function errorHandler(logger: Logger) {
  return function handleError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
    const error = toHttpError(err);
    if (error.status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    for (const [name, value] of Object.entries(error.extra.headers ?? {})) res.setHeader(name, value);
    if (res.locals.errorFormat === 'openai') {
      res.status(error.status).json({
        error: {
          message: error.message,
          type: OPENAI_ERROR_TYPES[error.status] ?? 'api_error',
          param: error.extra.param ?? null,
          code: error.code,
          ...error.extra.details,
        },
      });
      return;
    }
    res
      .status(error.status)
      .type('application/problem+json')
      .json({
        type: `https://switchyard.dev/errors/${error.code}`,
        title: error.code.replace(/_/g, ' '),
        status: error.status,
        code: error.code,
        detail: error.message,
        ...error.extra.details,
      });
  };
}

/** Unknown routes get a 404 in the same shape as every other error. */
export function notFound(req: Request): never {
  throw new HttpError(404, 'route_not_found', `No route ${req.method} ${req.path}.`);
}
