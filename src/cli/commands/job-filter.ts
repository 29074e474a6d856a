import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseBoolean, parseIsoTime, parseSince } from '../parse';
import type { JobFilter as ApiJobFilter } from '../../contract/bulk-replay';

const STATUSES = ['running', 'completed', 'failed', 'cancelled'];

/** The job filter of `GET /v1/jobs` and of a bulk replay, in the API's names; statuses as one comma-separated string. */
export type JobFilter = Omit<ApiJobFilter, 'status'> & { status?: string };

/** The filter options as commander parses them. */
export interface JobFilterOptions {
  status?: string;
  model?: string;
  filterModel?: string;
  provider?: string;
  failureType?: string;
  since?: string;
  createdAfter?: string;
  createdBefore?: string;
  replayOf?: string;
  degraded?: boolean;
  tenant?: string;
}

function parseStatus(value: string): string {
  const unknown = value.split(',').filter((status) => !STATUSES.includes(status.trim()));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown status ${unknown.join(', ')}; use ${STATUSES.join(', ')} (comma-separated).`,
    );
  }
  return value;
}

/**
 * Adds the job filter options. `modelFlag` names the option that filters by model: `--model` for `jobs list`,
 * `--filter-model` for a bulk replay, whose `--model` is the model the replays ask for instead.
 */
export function addFilterOptions(command: Command, modelFlag: '--model' | '--filter-model'): Command {
  return command
    .option('--status <status>', `status: ${STATUSES.join(', ')} (comma-separated for several)`, parseStatus)
    .option(`${modelFlag} <model>`, 'the model the job asked for')
    .option('--provider <provider>', 'the provider that answered (or was last tried)')
    .option('--failure-type <type>', 'failure type of a failed job, e.g. SERVER_ERROR, TIMEOUT, RATE_LIMITED')
    .addOption(
      new Option('--since <duration>', 'created within this long: 30m, 1h, 2d, 1w')
        .argParser(parseSince)
        .conflicts('createdAfter'),
    )
    .option('--created-after <time>', 'created at or after this ISO 8601 time', parseIsoTime)
    .option('--created-before <time>', 'created before this ISO 8601 time', parseIsoTime)
    .option('--replay-of <job-id>', 'replays of this job')
    .option('--degraded <bool>', 'true: only degraded answers; false: only real ones', parseBoolean)
    .option('--tenant <tenant>', "one tenant's jobs (default: every tenant)");
}

/** The options as the API's filter. */
export function filterOf(options: JobFilterOptions, modelFlag: '--model' | '--filter-model'): JobFilter {
  const model = modelFlag === '--model' ? options.model : options.filterModel;
  const createdAfter = options.since ?? options.createdAfter;
  return {
    ...(options.status !== undefined ? { status: options.status } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
    ...(options.failureType !== undefined ? { failure_type: options.failureType } : {}),
    ...(createdAfter !== undefined ? { created_after: createdAfter } : {}),
    ...(options.createdBefore !== undefined ? { created_before: options.createdBefore } : {}),
    ...(options.replayOf !== undefined ? { replay_of: options.replayOf } : {}),
    ...(options.degraded !== undefined ? { degraded: options.degraded } : {}),
  };
}
