import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startProcess, stopChild, waitFor, type Child } from '../../src/dev/child-processes';
import { MALLOC_ENV, NODE_FLAGS } from '../../src/contract/node-flags';
import { mockProviderEnv } from '../../src/dev/mock-provider-env';
import { startMockProvider, type MockProviderHandle } from '../../src/mock-provider';
import { startDevServer, type DevServer } from '../../test/helpers/dev-server';
import { freePort } from '../../test/helpers/free-port';
import { type Pids } from './proc';

/** The bearer key the bench sends. */
export const BENCH_API_KEY = 'sk-switchyard-bench';

/** The key pool of the goodput scenario: provider `pool`, each key limited by the mock and by the config. */
export const POOL = { provider: 'pool', keys: ['a', 'b', 'c'], requestsPerMinute: 20 } as const;

/** The route of the outage scenario: a primary that fails every call, then the healthy Anthropic mock. */
export const OUTAGE_ROUTE = 'outage';

/** The provider of the memory scenario: its own mock (slow on demand) and room for 1,000 calls at once. */
export const SLOW_PROVIDER = 'slow';

/** Circuit settings of the run; the circuit stays open to the end once it opens. */
export const CIRCUIT = { consecutiveFailures: 10, minRequests: 20, failureRatio: 0.5, openSeconds: 600 } as const;

/** The running parts every scenario measures. */
export interface Stack extends Mocks {
  dir: string;
  temporal: DevServer;
  apiUrl: string;
  apiKey: string;
  /** The Temporal server, the API and the worker. */
  pids: Pids & { server: number; api: number; worker: number };
  stop(): Promise<void>;
}

const REPO = join(__dirname, '..', '..');

/**
 * Runs a Switchyard entry point as users do, from the compiled `dist/` with Switchyard's Node flags and malloc
 * settings (built first when stale, the workflow bundle included), with its log in `<dir>/<name>.log`. The pid is Node's own, for CPU and memory sampling.
 */
function startCompiled(name: string, entry: string, env: NodeJS.ProcessEnv, dir: string): Child {
  execFileSync('bash', [join(REPO, 'scripts', 'build-if-stale.sh')], { cwd: REPO, stdio: 'inherit' });
  const script = `log="$0"; exec "$@" >>"$log" 2>&1`;
  const file = join(REPO, 'dist', 'src', `${entry}.js`);
  const command = [process.execPath, ...NODE_FLAGS, ...profileFlags(name, dir), file];
  return startProcess(name, 'bash', ['-c', script, join(dir, `${name}.log`), ...command], { ...MALLOC_ENV, ...env });
}

/**
 * V8 CPU profiles of the processes named in BENCH_CPU_PROFILE (e.g. `api,worker`), written to
 * `<dir>/profiles/` when the process exits; open them in Chrome DevTools or any .cpuprofile viewer.
 */
function profileFlags(name: string, dir: string): string[] {
  const profiled = (process.env.BENCH_CPU_PROFILE ?? '').split(',').map((entry) => entry.trim());
  // `api` also names `api-1`, `api-2`… of a stack with several.
  return profiled.includes(name) || profiled.includes(name.replace(/-\d+$/, ''))
    ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'profiles')}`]
    : [];
}

function pidOf(what: string, pid: number | undefined): number {
  if (pid === undefined) throw new Error(`${what} has no pid`);
  return pid;
}

/**
 * Where provider calls run (BENCH_PROVIDER_CALLS=local|queue), to compare the two; unset keeps Switchyard's
 * default for every provider.
 */
const PROVIDER_CALLS = process.env.BENCH_PROVIDER_CALLS;

/**
 * The config file of the run: OpenAI (named first, since catalogue models go to the first provider of their
 * type) and the env-configured Anthropic at the main mock, plus the scenarios' own providers.
 */
function benchConfig(mocks: { main: string; failing: string; pool: string; slow: string }): Record<string, unknown> {
  const calls = PROVIDER_CALLS === undefined || PROVIDER_CALLS === '' ? {} : { calls: PROVIDER_CALLS };
  return {
    providers: {
      openai: {
        type: 'openai',
        baseUrl: `${mocks.main}/openai/v1`,
        keys: [{ alias: 'main', env: 'OPENAI_API_KEY' }],
        ...calls,
      },
      primary: {
        type: 'openai',
        baseUrl: `${mocks.failing}/openai/v1`,
        keys: [{ alias: 'main', env: 'PRIMARY_KEY' }],
        ...calls,
      },
      [POOL.provider]: {
        type: 'openai',
        baseUrl: `${mocks.pool}/openai/v1`,
        keys: POOL.keys.map((alias) => ({
          alias,
          env: `POOL_KEY_${alias.toUpperCase()}`,
          requestsPerMinute: POOL.requestsPerMinute,
        })),
        ...calls,
      },
      [SLOW_PROVIDER]: {
        type: 'openai',
        baseUrl: `${mocks.slow}/openai/v1`,
        keys: [{ alias: 'main', env: 'SLOW_KEY' }],
        // The default maxConcurrentCalls (200 per worker): the other jobs in flight wait in Temporal.
        timeoutMs: 180_000,
        ...calls,
      },
    },
    routes: { [OUTAGE_ROUTE]: { targets: ['primary:gpt-4o-mini', 'claude-haiku-4-5'] } },
    circuitBreaker: { ...CIRCUIT, probeSeconds: CIRCUIT.openSeconds },
  };
}

/** The mock providers of a run, in the bench process; every stack of the run calls the same ones. */
export interface Mocks {
  /** OpenAI and Anthropic at 0 ms: the provider of every healthy job. */
  mock: MockProviderHandle;
  /** Provider `primary` of the outage route: answers every call with a 503. */
  failingMock: MockProviderHandle;
  /** Provider `pool`: per-key limit of {@link POOL}.requestsPerMinute. */
  poolMock: MockProviderHandle;
  /** Provider `slow`. */
  slowMock: MockProviderHandle;
}

/** Starts the run's mock providers on free ports. */
export async function startMocks(): Promise<Mocks & { stop(): Promise<void> }> {
  const started: MockProviderHandle[] = [];
  const stop = async () => {
    for (const m of started.reverse()) await m.close().catch(() => undefined);
  };
  try {
    const start = async (options: Parameters<typeof startMockProvider>[0]) => {
      const handle = await startMockProvider(options);
      started.push(handle);
      return handle;
    };
    return {
      mock: await start({ port: 0, latencyMs: 0 }),
      failingMock: await start({ port: 0, errorRates: { '503': 1 } }),
      poolMock: await start({ port: 0, keyRateLimitPerMinute: POOL.requestsPerMinute }),
      slowMock: await start({ port: 0 }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Where Switchyard's processes run and how many of each. */
export interface SwitchyardOptions {
  /** Config file and process logs go here. */
  dir: string;
  temporalAddress: string;
  mocks: Mocks;
  /** `CACHE_URL` and `COUNTERS_URL` of every process. */
  cacheUrl: string;
  countersUrl: string;
  /** @default 1 */
  workers?: number;
  /** @default 1 */
  apis?: number;
}

/** Switchyard's worker and API processes on one Temporal and one pair of stores. */
export interface SwitchyardProcesses {
  /** One base URL per API process, in start order. */
  apiUrls: string[];
  /** `api` and `worker` when there is one of each, else `api-1`, `api-2`…, `worker-1`… */
  pids: Pids;
  stop(): Promise<void>;
}

/** `name` alone when there is one process of a kind, `name-1`… when there are several. */
function processNames(name: string, count: number): string[] {
  return count === 1 ? [name] : Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);
}

/**
 * Starts Switchyard's workers and APIs as users run them, on the given Temporal and stores, and waits until
 * every API is ready. Each API listens on its own free port.
 */
export async function startSwitchyard(options: SwitchyardOptions): Promise<SwitchyardProcesses> {
  const { dir, mocks } = options;
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };
  try {
    const configFile = join(dir, 'switchyard.json');
    writeFileSync(
      configFile,
      JSON.stringify(
        benchConfig({
          main: mocks.mock.url,
          failing: mocks.failingMock.url,
          pool: mocks.poolMock.url,
          slow: mocks.slowMock.url,
        }),
      ),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...mockProviderEnv(mocks.mock.url),
      HOST: '127.0.0.1',
      TEMPORAL_ADDRESS: options.temporalAddress,
      SWITCHYARD_API_KEY: BENCH_API_KEY,
      SWITCHYARD_TASK_QUEUE_PREFIX: 'bench',
      SWITCHYARD_CONFIG: configFile,
      CACHE_URL: options.cacheUrl,
      COUNTERS_URL: options.countersUrl,
      PRIMARY_KEY: 'sk-bench-primary',
      SLOW_KEY: 'sk-bench-slow',
      ...Object.fromEntries(POOL.keys.map((alias) => [`POOL_KEY_${alias.toUpperCase()}`, `sk-bench-pool-${alias}`])),
      // What users run: one log line per request and per provider call, written to the process's log file.
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    const pids: Pids = {};
    for (const name of processNames('worker', options.workers ?? 1)) {
      const worker = startCompiled(name, 'worker/main', env, dir);
      started.push({ stop: () => stopChild(worker) });
      pids[name] = pidOf(`the ${name}`, worker.process.pid);
    }
    const apis: { url: string; child: Child }[] = [];
    for (const name of processNames('api', options.apis ?? 1)) {
      const port = await freePort();
      const api = startCompiled(name, 'api/main', { ...env, PORT: String(port) }, dir);
      started.push({ stop: () => stopChild(api) });
      pids[name] = pidOf(`the ${name}`, api.process.pid);
      apis.push({ url: `http://127.0.0.1:${port}`, child: api });
    }
    for (const { url, child } of apis)
      await waitFor(`the API at ${url}`, async () => (await fetch(`${url}/readyz`)).ok, 60_000, child);
    return { apiUrls: apis.map((api) => api.url), pids, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Starts one durable dev server (temp SQLite file with the script's default WAL + synchronous=NORMAL), the
 * mocks in this process, and the real worker and API processes.
 */
export async function startStack(): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };
  try {
    const temporal = await startDevServer({ dbFile: join(dir, 'temporal.db'), fastSqlite: false });
    started.push(temporal);
    const mocks = await startMocks();
    started.push(mocks);
    const switchyard = await startSwitchyard({
      dir,
      temporalAddress: temporal.address,
      mocks,
      cacheUrl: `sqlite://${join(dir, 'cache.sqlite')}`,
      countersUrl: `sqlite://${join(dir, 'counters.sqlite')}`,
    });
    started.push(switchyard);
    return {
      dir,
      temporal,
      apiUrl: switchyard.apiUrls[0] ?? '',
      apiKey: BENCH_API_KEY,
      mock: mocks.mock,
      failingMock: mocks.failingMock,
      poolMock: mocks.poolMock,
      slowMock: mocks.slowMock,
      pids: {
        server: pidOf('the Temporal server', temporal.process.pid),
        api: pidOf('the API', switchyard.pids.api),
        worker: pidOf('the worker', switchyard.pids.worker),
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
