import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** A fixed HTTP answer: its body and the headers sent before it. */
export interface FixedAnswer {
  body: string;
  headers: Record<string, string>;
}

/** A running bare Node HTTP server. */
export interface BareHttpServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The least any Node HTTP service can cost per request: `node:http` reading each request's body and answering
 * it with the same bytes, and nothing else. Run in its own process, as the API is, so the two are measured
 * alike.
 */
const SERVER_SOURCE = `
const http = require('node:http');
const { body, headers } = JSON.parse(process.env.BARE_HTTP_ANSWER);
const bytes = Buffer.byteLength(body);
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.once('end', () => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.setHeader('content-length', bytes);
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

/** Starts a bare HTTP server that answers every request with `answer`. */
export async function startBareHttpServer(answer: FixedAnswer): Promise<BareHttpServer> {
  const child = spawn(process.execPath, ['-e', SERVER_SOURCE], {
    env: { ...process.env, BARE_HTTP_ANSWER: JSON.stringify(answer) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  if (!Number.isInteger(port) || child.pid === undefined) {
    child.kill();
    throw new Error(`the bare HTTP server did not start: ${line.toString()}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill();
      await once(child, 'exit');
    },
  };
}
