import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';

const REPO = resolve(__dirname, '../..');

/** Runs one of the real entry points as its own process, logging its output to `logFile`. */
function spawnEntry(entry: string, env: Record<string, string>, logFile: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(REPO, entry)], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** Runs the real worker entry point (`src/worker/main.ts`) as its own process, logging to `logFile`. */
export function spawnWorker(env: Record<string, string>, logFile: string): ChildProcess {
  return spawnEntry('src/worker/main.ts', env, logFile);
}

/**
 * Runs the real API entry point (`src/api/main.ts`) as its own process, logging to `logFile`. It listens on
 * `env.PORT`; wait for it with {@link untilHealthy}.
 */
export function spawnApi(env: Record<string, string>, logFile: string): ChildProcess {
  return spawnEntry('src/api/main.ts', env, logFile);
}

/** Resolves once `baseUrl/healthz` answers 200; rejects if `child` exits first or `timeoutMs` passes. */
export async function untilHealthy(baseUrl: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the process serving ${baseUrl} exited (${child.exitCode ?? child.signalCode}) before it was up`);
    }
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${baseUrl}/healthz did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves when the process has exited. */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}
