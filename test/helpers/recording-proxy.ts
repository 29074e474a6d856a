import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it reached the provider, in that provider's own wire format. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/anthropic/v1/messages`. */
  path: string;
  /** The JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
}

export interface RecordingProxy {
  /** Base URL without a trailing slash; provider paths hang off it exactly as they do off the upstream's. */
  url: string;
  /** Where requests are forwarded; set before the first request (the upstream may start after the proxy). */
  setUpstream(url: string): void;
  /** Every request received so far, oldest first. */
  requests(): RecordedRequest[];
  close(): Promise<void>;
}

/** Headers that describe one hop, not the request; the forwarded request gets its own. */
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function forwardedHeaders(headers: IncomingHttpHeaders, bodyLength: number): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_HEADERS.has(name)) out[name] = value;
  out['content-length'] = String(bodyLength);
  return out;
}

function parsedBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * An HTTP proxy in front of the mock provider that keeps every request body, so a test can read the
 * provider-native request a Switchyard adapter sent (the mock's own call log keeps only a prompt head).
 */
export async function startRecordingProxy(): Promise<RecordingProxy> {
  let upstream: URL | undefined;
  const recorded: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = req.url ?? '/';
      recorded.push({ method: req.method ?? 'GET', path, body: parsedBody(raw) });
      if (!upstream) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'recording proxy has no upstream yet' } }));
        return;
      }
      const forwarded = request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path,
          headers: forwardedHeaders(req.headers, raw.length),
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => res.destroy());
      forwarded.end(raw);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setUpstream(url) {
      upstream = new URL(url);
    },
    requests: () => recorded.map((entry) => ({ ...entry })),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
