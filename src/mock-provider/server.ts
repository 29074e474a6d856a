import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type MockBehavior } from './behavior';
import { type MockCallLog } from './call-log';
import { sendMockError, serveControl } from './control-routes';
import { readBody } from './http-io';
import { serveProviderCall } from './pipeline';
import { serveResourceCall } from './resource-pipeline';
import { matchRoute } from './router';
import { MockState } from './state';
import { type MockStats } from './stats';

/** A running mock provider. */
export interface MockProviderHandle {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:53211`; provider paths hang off it. */
  url: string;
  port: number;
  stats(): MockStats;
  /**
   * Every request answered with a successful completion since start or the last reset, oldest first, with
   * every batch item answered by now among them.
   */
  calls(): MockCallLog;
  /** Clears the stats, the call log, and the files and batches of the batch APIs. */
  resetStats(): void;
  /**
   * Changes the behavior for the following requests.
   * @throws MockBehaviorError when a setting is unusable.
   */
  setBehavior(behavior: Partial<MockBehavior>): void;
  /** Stops the server, cutting hung and delayed requests instead of waiting for them. */
  close(): Promise<void>;
}

/** Options of {@link startMockProvider}: the initial behavior plus where to listen. */
export type MockProviderOptions = Partial<MockBehavior> & {
  /**
   * Port to listen on; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
};

/** Longer than the clients' idle timeouts, so the server is never the side that closes a reused socket mid-request. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the mock on `host:port` and resolves once it listens.
 * @throws MockBehaviorError when the options hold an unusable behavior setting.
 */
export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProviderHandle> {
  const { port = 0, host = '127.0.0.1', ...behavior } = options;
  const state = new MockState(behavior);
  let closing = false;
  // Known once listening; only answers to requests without a Host header (which HTTP/1.1 requires) use it.
  let origin = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.once('close', () => {
      if (!res.writableEnded && !closing) state.stats.recordAbortedConnection();
    });
    const rawUrl = req.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const pathname = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const route = matchRoute(req.method ?? 'GET', pathname);
    if (route === undefined) {
      sendMockError(res, 404, 'not_found', `No route for ${req.method ?? 'GET'} ${pathname}`);
      return;
    }
    // Bodies left unread (404s, GET routes) are drained by Node once the response ends.
    if (route.kind === 'control') {
      await serveControl(state, route.name, req, res);
      return;
    }
    const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
    if (route.kind === 'resource') {
      await serveResourceCall(state, { ...route, req, query, fallbackOrigin: origin }, res);
      return;
    }
    const body = await readBody(req);
    await serveProviderCall(state, { ...route, headers: req.headers, query, body }, res);
  }

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendMockError(res, 500, 'mock_internal_error', err instanceof Error ? err.message : String(err));
    });
  });
  // Must exceed keepAliveTimeout, or Node may drop a reused connection while a request header is arriving.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('mock provider is not listening on a TCP port');
  origin = `http://${urlHost(host)}:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    url: origin,
    port: address.port,
    stats: () => state.stats.snapshot(),
    calls: () => state.calls(),
    resetStats: () => state.reset(),
    setBehavior: (patch) => {
      state.update(patch);
    },
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        closing = true;
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        // Hung requests would keep close() waiting forever; cut every socket, busy or idle.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
