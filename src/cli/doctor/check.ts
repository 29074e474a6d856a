/** How one check came out: `skipped` when what it needs (a valid config, a reachable server) is missing. */
export type CheckStatus = 'ok' | 'problem' | 'skipped';

/** One line of the doctor's report. A problem carries its cause and how to fix it. */
export interface CheckResult {
  /** What was checked, e.g. `temporal`, `store cache`, `provider openai key default`. */
  name: string;
  status: CheckStatus;
  /** What was found: for `ok` and `skipped`, the evidence; for a problem, its cause. */
  detail: string;
  /** For a problem: what to do about it. */
  fix?: string;
}

/** A passed check. */
export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });

/** A failed check with its cause and fix. */
export const problem = (name: string, cause: string, fix: string): CheckResult => ({
  name,
  status: 'problem',
  detail: cause,
  fix,
});

/** A check that could not run. */
export const skipped = (name: string, why: string): CheckResult => ({ name, status: 'skipped', detail: why });

/** A step that took longer than a check allows. */
export class CheckTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms / 1000} s`);
  }
}

/** Runs `operation`, rejecting with a `CheckTimeoutError` when it takes longer than `ms`. */
export async function within<T>(what: string, ms: number, operation: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([operation(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error's message, with the system error code under it when there is one. */
export function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
