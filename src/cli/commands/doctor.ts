import type { Command } from 'commander';
import { EXIT } from '../cli-error';
import type { GlobalOptions } from '../context';
import { line, printJson } from '../output';
import type { CheckResult } from '../doctor/check';
import { runDoctor } from '../doctor/run-doctor';

const LABELS: Record<CheckResult['status'], string> = { ok: 'ok', problem: 'PROBLEM', skipped: 'skipped' };

function printReport(checks: CheckResult[], healthy: boolean): void {
  const width = Math.max(...checks.map((check) => check.name.length));
  for (const check of checks) {
    line(`${LABELS[check.status].padEnd(8)} ${check.name.padEnd(width)}  ${check.detail}`);
    if (check.fix) line(`${' '.repeat(9 + width + 2)}fix: ${check.fix}`);
  }
  const problems = checks.filter((check) => check.status === 'problem').length;
  line();
  line(healthy ? 'Healthy: every check passed.' : `${problems} problem${problems === 1 ? '' : 's'} found.`);
}

/** `switchyard doctor`: checks this machine's config, Temporal, stores, provider keys and clock. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check config, Temporal, search attributes, stores, provider keys and clocks, as the API and worker here see them',
    )
    .addHelpText(
      'after',
      `
Run it where the API and worker run, with their environment (SWITCHYARD_CONFIG, TEMPORAL_ADDRESS, CACHE_URL,
COUNTERS_URL, the providers' key variables…). Each check prints ok, PROBLEM (with its cause and fix) or skipped.
It needs no operator key; --url names the API whose clock is compared with this machine's.

Exit codes: 0 every check passed, 1 problems found, 2 usage error.

Example:
  SWITCHYARD_CONFIG=switchyard.yaml switchyard doctor`,
    )
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const report = await runDoctor(process.env, options.url);
      if (options.json) printJson(report);
      else printReport(report.checks, report.healthy);
      process.exitCode = report.healthy ? EXIT.ok : EXIT.problem;
    });
}
