import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port';

const REPO = resolve(__dirname, '../..');
const UP = join(REPO, 'scripts/fleet/up.sh');
const DOWN = join(REPO, 'scripts/fleet/down.sh');

/** The scaled-out engines: Temporal on PostgreSQL with several history shards, and Redis. */
export interface FleetEngines {
  /** `127.0.0.1:<port>` of the Temporal frontend; the namespace `default` has Switchyard's search attributes. */
  temporalAddress: string;
  /** `redis://127.0.0.1:<port>` (append-only persistence, so a restart keeps the data). */
  redisUrl: string;
  /** Stops the Temporal server (SIGTERM, then SIGKILL after 10 s) and starts it again on the same ports and data. */
  restartTemporal(): Promise<void>;
  /** Stops Redis (SIGTERM: it writes its append-only file) and starts it again on the same port and data. */
  restartRedis(): Promise<void>;
  /** Stops every engine; the data directory is deleted unless it was given as `dir`. */
  stop(): Promise<void>;
}

/** The Temporal ports up.sh derives from its frontend port and membership port (see scripts/fleet/up.sh). */
const FRONTEND_OFFSETS = [0, 1, 2, 6, 10];
const MEMBERSHIP_OFFSETS = [0, 1, 2, 6];

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** A base port in [min, max) whose offsets are all free a moment ago. */
async function freeBlock(min: number, max: number, offsets: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = min + Math.floor(Math.random() * (max - min));
    const free = await Promise.all(offsets.map((offset) => portFree(base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no free block of ports between ${min} and ${max}`);
}

/** Runs a fleet script; rejects with its output when it fails. */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn('bash', [script, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code === 0) done(stdout);
      else fail(new Error(`${script} ${args.join(' ')} exited with ${code}:\n${output.slice(-4_000)}`));
    });
  });
}

function outputValue(stdout: string, name: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`scripts/fleet/up.sh printed no ${name}= line:\n${stdout}`);
  return line.slice(name.length + 1);
}

function pidIn(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL once `graceMs` has passed; resolves when the process is gone. */
async function terminate(pid: number | undefined, graceMs: number): Promise<void> {
  if (pid === undefined || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the fleet's engines through scripts/fleet/up.sh (which builds or installs what is missing), on free
 * ports, in a temp directory of their own (or `dir`). Tests run PostgreSQL and Redis without syncing to disk
 * (FLEET_FAST: a process crash loses nothing, a machine crash might); `durable` keeps the engines' production
 * settings, for figures that compare with the dev server's durable file. Restarts run up.sh again, as an operator
 * would.
 */
export async function startFleetEngines(
  options: { dir?: string; shards?: number; durable?: boolean } = {},
): Promise<FleetEngines> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'switchyard-fleet-'));
  // PostgreSQL runs as the `postgres` user when the tests run as root: it must reach its directory.
  if (ownDir) chmodSync(dir, 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLEET_DIR: dir,
    FLEET_PG_PORT: String(await freePort()),
    FLEET_REDIS_PORT: String(await freePort()),
    FLEET_TEMPORAL_PORT: String(await freeBlock(33_000, 60_000, FRONTEND_OFFSETS)),
    // Stored as a SQL smallint by the server: below 32768.
    FLEET_TEMPORAL_MEMBERSHIP_PORT: String(await freeBlock(20_000, 32_000, MEMBERSHIP_OFFSETS)),
    FLEET_HISTORY_SHARDS: String(options.shards ?? 4),
    FLEET_FAST: options.durable ? '0' : '1',
  };
  let stopped = false;
  const down = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      execFileSync('bash', [DOWN, ...(ownDir ? ['--wipe'] : [])], { env, stdio: 'ignore' });
    } catch {
      // Best effort when the test process exits without calling stop().
    }
  };
  // Daemons outlive the test process: a run that dies before stop() must not leave them behind.
  process.once('exit', down);
  let stdout: string;
  try {
    stdout = await runScript(UP, [], env);
  } catch (err) {
    process.off('exit', down);
    down();
    throw err;
  }
  const temporalAddress = outputValue(stdout, 'TEMPORAL_ADDRESS');
  const redisUrl = outputValue(stdout, 'REDIS_URL');
  return {
    temporalAddress,
    redisUrl,
    async restartTemporal() {
      await terminate(pidIn(join(dir, 'temporal/temporal.pid')), 10_000);
      await runScript(UP, [], env);
    },
    async restartRedis() {
      await terminate(pidIn(join(dir, 'redis/redis.pid')), 10_000);
      await runScript(UP, [], env);
    },
    async stop() {
      if (stopped) return;
      process.off('exit', down);
      stopped = true;
      await runScript(DOWN, ownDir ? ['--wipe'] : [], env);
    },
  };
}
