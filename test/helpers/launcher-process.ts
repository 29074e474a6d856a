import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port';

const REPO = resolve(__dirname, '../..');

/** The ports one `npm start` uses, all free when chosen. */
export interface LauncherPorts {
  api: number;
  temporal: number;
  ui: number;
  mock: number;
}

/** A running `npm start` (the launcher from source under tsx) and everything it printed so far. */
export interface Launcher {
  process: ChildProcess;
  ports: LauncherPorts;
  env: NodeJS.ProcessEnv;
  output: () => string;
}

/** Free ports for a launcher. */
export async function launcherPorts(): Promise<LauncherPorts> {
  const [api, temporal, ui, mock] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  return { api, temporal, ui, mock };
}

/** The environment of a launcher on `ports` whose data (Temporal's SQLite file, stores) lives in a fresh temp dir. */
export function launcherEnv(ports: LauncherPorts, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-launcher-'));
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(ports.api),
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_UI_PORT: String(ports.ui),
    TEMPORAL_DB_FILE: join(dataDir, 'temporal.db'),
    TEMPORAL_LOG_FILE: join(dataDir, 'temporal.log'),
    MOCK_PROVIDER_PORT: String(ports.mock),
    CACHE_URL: `sqlite://${join(dataDir, 'cache.sqlite')}`,
    COUNTERS_URL: `sqlite://${join(dataDir, 'counters.sqlite')}`,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Starts the launcher (`src/dev/start.ts`) with exactly `env`. */
export function spawnLauncher(ports: LauncherPorts, env: NodeJS.ProcessEnv): Launcher {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/dev/start.ts')], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, ports, env, output: () => output };
}

/** Resolves once the launcher has printed `text`; fails with its output if it exits or `timeoutMs` passes. */
export async function untilPrinted(launcher: Launcher, text: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!launcher.output().includes(text)) {
    if (launcher.process.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the launcher did not print "${text}":\n${launcher.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves with the exit code once the launcher has exited. */
export function launcherExit(launcher: Launcher): Promise<number | null> {
  const child = launcher.process;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

/** One row of `ps`. */
export interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
  args: string;
}

/** Every process on the machine, as `ps` sees it now. */
export function processTable(): ProcessRow[] {
  const text = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' });
  return text
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), args: match[4] ?? '' }));
}

/** The parts the launcher started and everything in their process groups (e.g. what the Temporal CLI started). */
export function launcherProcesses(launcher: Launcher): ProcessRow[] {
  const table = processTable();
  // Each part leads its own process group; helpers of the launcher's own runtime (tsx's esbuild) do not.
  const groups = new Set(
    table.filter((row) => row.ppid === launcher.process.pid && row.pgid === row.pid).map((row) => row.pgid),
  );
  return table.filter((row) => groups.has(row.pgid));
}

/** The launcher's child whose command line contains `fragment`; fails when there is none. */
export function launcherChild(launcher: Launcher, fragment: string): ProcessRow {
  const row = launcherProcesses(launcher).find((candidate) => candidate.args.includes(fragment));
  if (!row) throw new Error(`no process of the launcher runs "${fragment}"`);
  return row;
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves true when a TCP connection to 127.0.0.1:`port` is refused (nothing listens there). */
export function refusesConnections(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(true));
  });
}

/** Polls `check` every 200 ms until it is true; fails naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
