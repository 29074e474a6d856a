import type { Response } from 'express';

/** One Server-Sent Event. Without `id`, a client's `Last-Event-ID` stays where it was. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Starts an event stream: status 200 and the headers that keep proxies from buffering it, sent at once so the
 * client sees the stream open before its first event.
 */
export function openEventStream(res: Response, headers: Record<string, string> = {}): void {
  res.status(200);
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache, no-transform');
  res.setHeader('connection', 'keep-alive');
  // nginx buffers responses unless told not to.
  res.setHeader('x-accel-buffering', 'no');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.flushHeaders();
  // Small events must leave at once rather than wait for Nagle's algorithm.
  res.socket?.setNoDelay(true);
}

/** The event's text: `data` split on its line breaks, since a data line cannot hold one. */
export function sseText({ id, event, data }: SseEvent): string {
  let text = '';
  if (id !== undefined) text += `id: ${id}\n`;
  if (event !== undefined) text += `event: ${event}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** Writes an event unless the client is gone. */
export function writeEvent(res: Response, event: SseEvent): void {
  if (!res.writableEnded && !res.destroyed) res.write(sseText(event));
}

/** A comment line, which clients ignore: keeps an idle connection from being closed by proxies. */
export function writeKeepAlive(res: Response): void {
  if (!res.writableEnded && !res.destroyed) res.write(': keep-alive\n\n');
}
