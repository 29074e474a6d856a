import { type IncomingMessage, type ServerResponse } from 'node:http';

/** Larger than any realistic prompt; protects the mock from a runaway client. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** A request body as text, or why there is none. */
export type RequestBody = { ok: true; text: string } | { ok: false; reason: 'too-large' | 'aborted' };

/** Reads a request body; stops buffering past {@link MAX_BODY_BYTES}. */
export function readBody(req: IncomingMessage): Promise<RequestBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve({ ok: true, text: Buffer.concat(chunks, size).toString('utf8') }));
    req.on('error', () => resolve({ ok: false, reason: 'aborted' }));
  });
}

/** Sends a JSON text with an explicit content-length, which keeps keep-alive connections cheap. */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  writeJsonHead(res, status, text, headers);
  res.end(text);
}

/** Like {@link sendJsonText}, but the body follows the status and headers `bodyDelayMs` later. */
export async function sendJsonTextSlowly(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string>,
  bodyDelayMs: number,
): Promise<void> {
  writeJsonHead(res, status, text, headers);
  res.flushHeaders();
  if (await delay(bodyDelayMs, res)) res.end(text);
}

function writeJsonHead(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
}

/** Sends a value as JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/**
 * Waits before answering. Resolves `false` instead when the client closes the connection first,
 * so that the timer is released at once rather than held for the full delay.
 */
export function delay(ms: number, res: ServerResponse): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!res.destroyed);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
}
