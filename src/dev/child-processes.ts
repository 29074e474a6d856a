import { spawn, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';
import { MALLOC_ENV, NODE_FLAGS } from '../contract/node-flags';

/** How many of a child's last output lines are kept, to show why it failed. */
const RECENT_LINES = 20;

/** A process the launcher started and stops again. */
export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code, or null when a signal ended the process. */
  exited: Promise<number | null>;
  /** The child's last lines of output (stdout and stderr), oldest first. */
  recentOutput: string[];
}

/** How a child ended: its exit code or the signal that ended it. */
export function exitDescription(child: Child): string {
  return String(child.process.exitCode ?? child.process.signalCode ?? 'still running');
}

/** True once the child process has exited. */
export function hasExited(child: Child): boolean {
  return child.process.exitCode !== null || child.process.signalCode !== null;
}

/**
 * Runs one of Switchyard's entry points (`api/main`, `worker/main`, …) with the same Node flags as this
 * process, so it works from the compiled `dist/` and from source under tsx alike, plus {@link NODE_FLAGS} and,
 * unless `env` sets them, the {@link MALLOC_ENV} settings.
 */
export function startEntry(name: string, entry: string, env: NodeJS.ProcessEnv): Child {
  const file = join(__dirname, '..', `${entry}${extname(__filename)}`);
  const flags = NODE_FLAGS.filter((flag) => !process.execArgv.includes(flag));
  return startProcess(name, process.execPath, [...process.execArgv, ...flags, file], { ...MALLOC_ENV, ...env });
}

/**
 * Starts a process whose output is prefixed with its name. It leads its own process group, so a
 * Ctrl-C in the terminal reaches only the launcher (which then stops the children in order), and
 * stopping the group also stops what the child started itself.
 */
export function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const recentOutput: string[] = [];
  const relay = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
    // A chunk may end mid-line: the rest of that line comes with the next chunk, so each line is prefixed once
    // and whole (a JSON log line stays one parseable line).
    let partial = '';
    const emit = (lines: string[]) => {
      const shown = lines.filter((line) => line.length > 0);
      recentOutput.push(...shown);
      recentOutput.splice(0, Math.max(0, recentOutput.length - RECENT_LINES));
      out.write(shown.map((line) => `[${name}] ${line}\n`).join(''));
    };
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      emit(lines);
    });
    stream?.on('end', () => emit([partial]));
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A command that cannot be spawned at all reports it here, not as an exception.
  child.once('error', (err) => recentOutput.push(`${name} could not start: ${err.message}`));
  return { name, process: child, exited, recentOutput };
}

/** Sends `signal` to the child's whole process group; a group already gone is not an error. */
export function signalGroup(child: Child, signal: NodeJS.Signals): void {
  const pid = child.process.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has already exited.
  }
}

/**
 * Asks a child to stop (SIGTERM to its process group), and kills the group if it has not stopped within
 * `graceMs`. Anything left in the group once the child itself has exited is killed too.
 */
export async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  if (!hasExited(child)) {
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
  }
  signalGroup(child, 'SIGKILL');
}

/** Polls `check` until it resolves true, or fails after `timeoutMs` naming what was awaited. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, child?: Child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && hasExited(child)) throw new ChildFailed(child, what);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** A child exited while the launcher was waiting for it; the message carries its last output. */
export class ChildFailed extends Error {
  override readonly name = 'ChildFailed';

  constructor(
    readonly child: Child,
    what: string,
  ) {
    super(
      [
        `${child.name} exited (${exitDescription(child)}) before ${what}. Its last output:`,
        ...(child.recentOutput.length > 0 ? child.recentOutput : ['(none)']).map((line) => `  ${line}`),
      ].join('\n'),
    );
  }
}
