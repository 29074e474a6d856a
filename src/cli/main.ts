#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT } from './cli-error';
import { registerCircuits } from './commands/circuits';
import { registerDoctor } from './commands/doctor';
import { registerJobs } from './commands/jobs';
import { registerKeys } from './commands/keys';
import { registerSpend } from './commands/spend';
import { registerTenants } from './commands/tenants';

const EXIT_CODES_HELP = `
Exit codes:
  0  done (doctor: every check passed)
  1  the API refused or failed the request, or doctor found problems
  2  usage error (unknown command or option, missing or bad argument)

Environment:
  SWITCHYARD_URL        the API's base URL (default http://127.0.0.1:8080)
  SWITCHYARD_ADMIN_KEY  the operator key`;

/** The `switchyard` program: every command, the global options and the exit codes. */
export function buildProgram(): Command {
  const program = new Command('switchyard')
    .description('Operate a Switchyard gateway: jobs, replays, spend, circuits, key pools, tenants, and doctor.')
    .addOption(new Option('--url <url>', "the API's base URL").env('SWITCHYARD_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--admin-key <key>', 'the operator key').env('SWITCHYARD_ADMIN_KEY'))
    .option('--json', "print JSON (the API's own answer) instead of tables")
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  registerJobs(program);
  registerSpend(program);
  registerCircuits(program);
  registerKeys(program);
  registerTenants(program);
  registerDoctor(program);
  // Subcommands throw rather than exit, like the program, so one place maps failures to exit codes.
  const override = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Runs the CLI on `argv` and sets the process's exit code; failures print one line, never a stack. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version "errors" are normal exits; commander has already printed the message.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.problem;
  }
}

if (require.main === module) {
  // Piped into `head` and the like: a reader that stops early is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
  });
  void main(process.argv).then(() => {
    // Store and Temporal clients may keep timers or sockets alive; the command is done.
    process.exit();
  });
}
