import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';

/** Told the status of each HTTP response, made within {@link whenAnswered}, as soon as its headers arrive. */
type OnHeaders = (status: number) => void;

const callOf = new AsyncLocalStorage<OnHeaders>();
/** The call each of Node's fetch requests belongs to, noted when it is created (inside the caller's context). */
const owners = new WeakMap<object, OnHeaders>();
let listening = false;

/**
 * Runs `send` (an SDK call over Node's global `fetch`) and calls `onHeaders` with the status of each of its HTTP
 * responses the moment the headers arrive, before the SDK reads the body. The SDKs give no such hook of their own;
 * Node's fetch (undici) reports every request's headers on a diagnostics channel, and the request is tied to the
 * call through the async context it was created in.
 */
export function whenAnswered<T>(onHeaders: OnHeaders, send: () => Promise<T>): Promise<T> {
  listen();
  return callOf.run(onHeaders, send);
}

function listen(): void {
  if (listening) return;
  listening = true;
  subscribe('undici:request:create', (message) => {
    const request = requestOf(message);
    const call = callOf.getStore();
    if (request && call) owners.set(request, call);
  });
  subscribe('undici:request:headers', (message) => {
    const request = requestOf(message);
    const status = statusOf(message);
    if (request && status !== undefined) owners.get(request)?.(status);
  });
}

function requestOf(message: unknown): object | undefined {
  if (typeof message !== 'object' || message === null || !('request' in message)) return undefined;
  const { request } = message;
  return typeof request === 'object' && request !== null ? request : undefined;
}

function statusOf(message: unknown): number | undefined {
  if (typeof message !== 'object' || message === null || !('response' in message)) return undefined;
  const { response } = message;
  if (typeof response !== 'object' || response === null || !('statusCode' in response)) return undefined;
  return typeof response.statusCode === 'number' ? response.statusCode : undefined;
}
