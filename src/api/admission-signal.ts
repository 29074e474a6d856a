import type { Response } from 'express';

/**
 * Aborts when the client disconnects before its response is sent. Read from the response, not the request:
 * a request's own `close` fires as soon as its body has been read.
 */
export function clientGoneSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
