import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './free-port';

export interface DevServer {
  address: string;
  /** The frontend's gRPC port, to start the server again on the same address. */
  port: number;
  uiPort: number;
  logFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const REPO = resolve(__dirname, '../..');

/** Starts a Temporal dev server through the project's own script (on free ports unless given) and waits until it answers. */
export async function startDevServer(
  options: {
    dbFile?: string;
    /**
     * The frontend's gRPC port. A server started again on its previous port (and `dbFile`) is the same server to
     * every client and worker connected to it, as after a restart in production.
     * @default a free port
     */
    port?: number;
    /** @default a free port */
    uiPort?: number;
    timeoutMs?: number;
    /**
     * With a `dbFile`, run SQLite with synchronous=OFF (fast, for tests); false keeps the script's durable
     * default (WAL, synchronous=NORMAL), as benchmarks need.
     * @default true
     */
    fastSqlite?: boolean;
  } = {},
): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-temporal-'));
  const logFile = join(dir, 'temporal.log');
  const child = spawn('bash', [join(REPO, 'scripts/start-temporal.sh'), '--foreground'], {
    cwd: REPO,
    env: {
      ...process.env,
      TEMPORAL_PORT: String(port),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_DB_FILE: options.dbFile ?? '',
      TEMPORAL_LOG_FILE: logFile,
      TEMPORAL_FAST_SQLITE: options.dbFile && (options.fastSqlite ?? true) ? '1' : '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited with ${child.exitCode}; see ${logFile}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not answer on ${address}: ${(err as Error).message}; see ${logFile}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    port,
    uiPort,
    logFile,
    process: child,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
