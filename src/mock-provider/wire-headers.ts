import { type IncomingHttpHeaders } from 'node:http';

const BEARER = 'Bearer ';

/** The token of an `Authorization: Bearer …` header, or `undefined` when there is none. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth === undefined || !auth.startsWith(BEARER)) return undefined;
  const token = auth.slice(BEARER.length).trim();
  return token === '' ? undefined : token;
}

/** `retry-after` in whole seconds (what most clients parse) and, for OpenAI, the exact `retry-after-ms`. */
export function retryAfterHeaders(seconds: number, withMilliseconds: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'retry-after': String(Math.ceil(seconds)) };
  if (withMilliseconds) headers['retry-after-ms'] = String(Math.round(seconds * 1000));
  return headers;
}
