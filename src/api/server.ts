import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiServices } from './api-services';
import { createApp, type AppDeps } from './app';

export interface RunningApi {
  url: string;
  port: number;
  server: Server;
  /** Stops accepting connections and waits for in-flight requests to finish. */
  close(): Promise<void>;
}

/**
 * Serves the API on `port` (0 = any free port) and resolves once it listens; opens its stores unless given.
 * Without `api.host` (HOST) it listens on every interface, as a container's entry point must; `npm start`
 * sets HOST=127.0.0.1 for local development.
 */
export async function startApi(
  deps: Omit<AppDeps, 'services'> & Partial<Pick<AppDeps, 'services'>>,
  port = deps.config.api.port,
  host = deps.config.api.host ?? '0.0.0.0',
): Promise<RunningApi> {
  const owned = deps.services ? null : await createApiServices(deps.config);
  const services = deps.services ?? owned!;
  const app = createApp({ ...deps, services });
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) return reject(err);
      const address = server.address() as AddressInfo;
      // Clients such as the openai SDK keep connections alive; outlive their idle timeout to avoid resets.
      server.keepAliveTimeout = 65_000;
      resolve({
        url: `http://127.0.0.1:${address.port}`,
        port: address.port,
        server,
        close: async () => {
          await new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          });
          await owned?.close();
        },
      });
    });
  });
}
