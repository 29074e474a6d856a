import { spawn, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';

/** A process the launcher started and stops again. */
export interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * Runs one of Switchyard's entry points (`api/main`, `worker/main`, …) with the same Node flags as this
 * process, so it works from the compiled `dist/` and from source under tsx alike.
 */
export function startEntry(name: string, entry: string, env: NodeJS.ProcessEnv): Child {
  const file = join(__dirname, '..', `${entry}${extname(__filename)}`);
  return startProcess(name, process.execPath, [...process.execArgv, file], env);
}

/** Starts a process whose output is prefixed with its name. */
export function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => `[${name}] ${line}\n`)
      .join('');
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, process: child, exited };
}

/** Asks a child to stop (SIGTERM), and kills it if it has not within `graceMs`. */
export async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Polls `check` until it resolves true, or fails after `timeoutMs` naming what was awaited. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, child?: Child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.process.exitCode !== null) throw new Error(`${child.name} exited before ${what}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}
