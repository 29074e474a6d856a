import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** How long an upstream that refused a connection is skipped before it is tried again. */
const DOWN_FOR_MS = 2_000;
/** Bodies are buffered so a request can go to the other API when the first refuses it; the API's own cap is 32 MB. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Headers that describe one connection, not the request (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

interface Upstream {
  host: string;
  port: number;
  downUntil: number;
}

/** A started proxy. */
export interface FleetProxy {
  server: Server;
  /** `http://host:port` the proxy listens on. */
  url: string;
  close(): Promise<void>;
}

function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  const client = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  return headers;
}

function unavailable(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
  res.end(
    JSON.stringify({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      code: 'api_unavailable',
      detail: 'No API process of the fleet answers right now; retry shortly.',
    }),
  );
}

/**
 * One address in front of the fleet's API processes: requests go round-robin to each in turn. A request whose API
 * refuses the connection (a process restarting) goes to the next one; with none answering the client gets a
 * 503 with Retry-After. Once an API has the request, its answer (a stream too) is relayed as it comes: a request
 * is never sent twice, since it may already have started a job.
 */
export function startFleetProxy(options: { host: string; port: number; upstreams: number[] }): Promise<FleetProxy> {
  const upstreams: Upstream[] = options.upstreams.map((port) => ({ host: '127.0.0.1', port, downUntil: 0 }));
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;

  const pick = (tried: ReadonlySet<Upstream>): Upstream | undefined => {
    const now = Date.now();
    for (let i = 0; i < upstreams.length; i++) {
      const upstream = upstreams[(next + i) % upstreams.length]!;
      if (!tried.has(upstream) && upstream.downUntil <= now) {
        next = (next + i + 1) % upstreams.length;
        return upstream;
      }
    }
    return upstreams.find((upstream) => !tried.has(upstream) && upstream.downUntil > now);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, tried: Set<Upstream>): void => {
    const upstream = pick(tried);
    if (!upstream) return unavailable(res);
    tried.add(upstream);
    const outgoing = request(
      {
        host: upstream.host,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req),
        agent,
      },
      (answer) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
        answer.pipe(res);
        answer.once('error', () => res.destroy());
      },
    );
    outgoing.once('error', (err: NodeJS.ErrnoException) => {
      // Refused: nothing reached that API, so the next one may have the request.
      if (err.code === 'ECONNREFUSED') {
        upstream.downUntil = Date.now() + DOWN_FOR_MS;
        return forward(req, res, body, tried);
      }
      // The API went away with the request: whether it started a job is unknown, so the client decides.
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/problem+json', 'retry-after': '1' });
        res.end(
          JSON.stringify({
            type: 'about:blank',
            title: 'Bad Gateway',
            status: 502,
            code: 'api_connection_lost',
            detail:
              'The API process handling this request stopped before answering; retry (with an Idempotency-Key to be safe).',
          }),
        );
      } else {
        res.destroy();
      }
    });
    res.once('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'application/problem+json', connection: 'close' });
        res.end(JSON.stringify({ status: 413, code: 'payload_too_large', detail: 'The request body is too large.' }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => forward(req, res, Buffer.concat(chunks), new Set()));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        server,
        url: `http://${options.host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
            agent.destroy();
          }),
      });
    });
  });
}
