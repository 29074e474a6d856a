import { type ServerResponse } from 'node:http';
import { delay } from './http-io';
import { sseText, type StreamFrame } from './stream-frames';

/** A mid-stream fault: what breaks, after how many content frames. */
export interface StreamFault {
  kind: 'drop' | 'hang' | 'malformed';
  afterChunks: number;
}

/** How a stream ended, and the output tokens the client had been sent by then. */
export interface StreamResult {
  streamed: 'complete' | 'cut';
  completionTokens: number;
}

/** How to send one stream. */
export interface StreamOptions {
  headers: Record<string, string>;
  /** Pause before every frame but the first. */
  gapMs: number;
  fault: StreamFault | undefined;
}

/** Resolves once the connection is gone: a hung stream holds no timer, only the socket the client keeps open. */
function closed(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}

/** Resolves once everything written so far has been handed to the OS, or the connection is gone. */
function flushed(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    // An empty chunk would be skipped; a comment line is valid SSE that every client ignores.
    res.write(':\n\n', () => resolve());
  });
}

/** Half of the next frame's JSON: a line that promises an event and cannot be parsed. */
function malformedText(next: StreamFrame | undefined): string {
  const data = next?.data ?? '{"type":"mock"}';
  return sseText({ event: next?.event, data: data.slice(0, Math.max(1, Math.floor(data.length / 2))) });
}

async function breakStream(
  res: ServerResponse,
  fault: StreamFault,
  next: StreamFrame | undefined,
  completionTokens: number,
): Promise<StreamResult> {
  const cut: StreamResult = { streamed: 'cut', completionTokens };
  if (res.destroyed) return cut;
  if (fault.kind === 'drop') {
    // What was written must reach the client first: destroying the socket discards anything still buffered.
    await flushed(res);
    // Destroying the socket skips chunked encoding's final chunk, which clients see as a premature close.
    res.destroy();
  } else if (fault.kind === 'malformed') {
    res.end(malformedText(next));
  } else {
    await closed(res);
  }
  return cut;
}

/**
 * Sends frames as `text/event-stream`, with the gap between them and the fault, if any, after the given number
 * of content frames (at most all of them, so a fault is never skipped because the answer is short).
 * A client that goes away ends the stream at once, with no timer left behind.
 */
export async function writeStream(
  res: ServerResponse,
  frames: readonly StreamFrame[],
  options: StreamOptions,
): Promise<StreamResult> {
  const { headers, gapMs, fault } = options;
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const contentFrames = frames.filter((frame) => frame.content).length;
  const cutAfter = fault === undefined ? undefined : Math.min(fault.afterChunks, contentFrames);
  let contentSent = 0;
  let completionTokens = 0;
  if (fault !== undefined && cutAfter === 0) return breakStream(res, fault, frames[0], completionTokens);
  for (const [index, frame] of frames.entries()) {
    if (index > 0 && gapMs > 0 && !(await delay(gapMs, res))) return { streamed: 'cut', completionTokens };
    if (res.destroyed) return { streamed: 'cut', completionTokens };
    res.write(sseText(frame));
    completionTokens = frame.completionTokens;
    if (!frame.content) continue;
    contentSent++;
    if (fault !== undefined && contentSent === cutAfter) {
      return breakStream(res, fault, frames[index + 1], completionTokens);
    }
  }
  res.end();
  return { streamed: 'complete', completionTokens };
}
