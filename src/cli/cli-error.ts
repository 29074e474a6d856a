/** The CLI's exit codes, as `--help` and the README document them. */
export const EXIT = {
  /** Done; for `doctor`, every check passed. */
  ok: 0,
  /** The API refused or failed the request, or `doctor` found problems. */
  problem: 1,
  /** The command line was wrong (unknown command or option, missing argument, bad value). */
  usage: 2,
} as const;

/** A failure the CLI reports as one line (never a stack) and exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = EXIT.problem,
  ) {
    super(message);
  }
}

/** A command line the CLI cannot run: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}
