import { type Agent, request } from 'node:http';
import { SseParser } from './sse-parser';

/** One streamed chat completion as the client saw it; times in ms since the request was sent. */
export interface StreamTiming {
  /** The HTTP status; 0 when no response came. */
  status: number;
  /** When the first chunk with non-empty `choices[0].delta.content` arrived; NaN when none did. */
  firstContentMs: number;
  /** When each chunk with non-empty content arrived, in order. */
  contentMs: number[];
  /** When the body ended (or broke off). */
  durationMs: number;
  /** Whether `data: [DONE]` came. */
  done: boolean;
  /** Whether a chunk carried `usage` (asked for with `stream_options.include_usage`). */
  usage: boolean;
  /** Why the stream cannot count as complete, in a few words; undefined when nothing went wrong. */
  failure?: string;
}

/** Whether a stream completed: 200, content, `[DONE]` and nothing wrong on the way. */
export function completed(timing: StreamTiming): boolean {
  return timing.failure === undefined && timing.status === 200 && timing.done && timing.contentMs.length > 0;
}

/**
 * The mean gap between consecutive content chunks of one stream, in ms; NaN with fewer than two. A mean per stream
 * (rather than every gap pooled) keeps a long answer from weighing more than a short one.
 */
export function meanContentGap(timing: StreamTiming): number {
  const first = timing.contentMs[0];
  const last = timing.contentMs[timing.contentMs.length - 1];
  if (first === undefined || last === undefined || timing.contentMs.length < 2) return NaN;
  return (last - first) / (timing.contentMs.length - 1);
}

/** Where to send one streamed request. */
export interface StreamTarget {
  /** The full URL of the chat completions endpoint. */
  url: string;
  apiKey: string;
  /** Keep-alive pool the request's connection comes from. */
  agent: Agent;
  /** @default 60_000 */
  timeoutMs?: number;
}

/** What a parsed `data:` payload says about the stream. */
function readChunk(data: string, timing: StreamTiming, elapsed: number): void {
  if (data === '[DONE]') {
    timing.done = true;
    return;
  }
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    timing.failure ??= 'a chunk that is not JSON';
    return;
  }
  if (typeof chunk !== 'object' || chunk === null) return;
  const fields = chunk as { error?: unknown; usage?: unknown; choices?: unknown };
  // Switchyard ends a stream it cannot finish with an error event in OpenAI's shape, not with a status.
  if (fields.error !== undefined) timing.failure ??= 'an error event';
  if (typeof fields.usage === 'object' && fields.usage !== null) timing.usage = true;
  if (!Array.isArray(fields.choices)) return;
  const first = fields.choices[0] as { delta?: { content?: unknown } } | undefined;
  const content = first?.delta?.content;
  if (typeof content !== 'string' || content === '') return;
  if (timing.contentMs.length === 0) timing.firstContentMs = elapsed;
  timing.contentMs.push(elapsed);
}

/**
 * Sends one chat request (its body must ask for `stream: true`) and times its chunks as they arrive. Never throws:
 * a refused request, a broken connection or a timeout comes back as a {@link StreamTiming} with a `failure`, so
 * a run counts failed streams instead of stopping at the first.
 */
export function streamChat(target: StreamTarget, body: unknown): Promise<StreamTiming> {
  const payload = JSON.stringify(body);
  const timing: StreamTiming = {
    status: 0,
    firstContentMs: NaN,
    contentMs: [],
    durationMs: NaN,
    done: false,
    usage: false,
  };
  return new Promise((resolve) => {
    const started = performance.now();
    const finish = (failure?: string) => {
      if (!Number.isNaN(timing.durationMs)) return;
      timing.durationMs = performance.now() - started;
      if (failure !== undefined) timing.failure ??= failure;
      resolve(timing);
    };
    const req = request(
      target.url,
      {
        method: 'POST',
        agent: target.agent,
        signal: AbortSignal.timeout(target.timeoutMs ?? 60_000),
        headers: {
          authorization: `Bearer ${target.apiKey}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        timing.status = res.statusCode ?? 0;
        const parser = new SseParser();
        // Decoding in the stream keeps a character split between two reads whole.
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const elapsed = performance.now() - started;
          for (const event of parser.push(text)) readChunk(event.data, timing, elapsed);
        });
        res.on('end', () => finish(timing.status === 200 ? undefined : `HTTP ${timing.status}`));
        res.on('error', (err) => finish(`broken off: ${err.message}`));
        res.on('close', () => finish(res.complete ? undefined : 'broken off before the end'));
      },
    );
    req.on('error', (err) => finish(`request failed: ${err.message}`));
    req.end(payload);
  });
}
