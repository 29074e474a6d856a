import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import { CliError, UsageError } from '../cli-error';
import { contextOf } from '../context';
import { integerIn, numberIn } from '../parse';
import { line, printFields, printJson, printTable } from '../output';
import { addFilterOptions, filterOf, type JobFilterOptions } from './job-filter';
import type { BulkReplay, BulkReplayPreview, BulkReplayStarted } from './job-types';

interface ReplayOptions extends JobFilterOptions {
  filter?: boolean;
  perSecond?: number;
  maxJobs?: number;
  dryRun?: boolean;
  yes?: boolean;
  wait?: boolean;
}

/** How often `--wait` reads a bulk replay's progress. */
const POLL_MS = 1_000;
/** Job ids of a preview printed before "… and N more". */
const PREVIEW_IDS = 20;

/** A bulk replay's state, progress and (once it ended) report, for people. */
export function printBulkReplay(bulk: BulkReplay): void {
  const { progress } = bulk;
  printFields([
    ['id', bulk.id],
    ['status', bulk.status],
    ['tenant', bulk.tenant ?? 'every tenant'],
    ['filter', JSON.stringify(bulk.filter)],
    ['overrides', bulk.overrides && Object.keys(bulk.overrides).length > 0 ? JSON.stringify(bulk.overrides) : null],
    ['created', bulk.created_at],
    [
      'progress',
      `${progress.matched} matched, ${progress.replayed} replayed, ${progress.skipped} skipped, ${progress.failed} failed`,
    ],
  ]);
  const report = bulk.report;
  if (!report) return;
  const rows = [
    ...report.replayed.map((r) => [r.job_id, 'replayed', r.replay_id]),
    ...report.skipped.map((r) => [r.job_id, 'skipped', r.reason]),
    ...report.failed.map((r) => [r.job_id, 'failed', r.error]),
  ];
  line();
  printTable(['job', 'outcome', 'replay / reason'], rows);
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UsageError('Confirmation needed, and stdin is not a terminal: pass --yes to replay without asking.');
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/** Reads the bulk replay until it is no longer running, reporting progress on stderr. */
async function waitForEnd(api: ApiClient, id: string, quiet: boolean): Promise<BulkReplay> {
  let last = '';
  for (;;) {
    const bulk = await api.get<BulkReplay>(`/v1/jobs/${encodeURIComponent(id)}`);
    const { matched, replayed, skipped, failed } = bulk.progress;
    const now = `${replayed + skipped + failed}/${matched} done (${replayed} replayed, ${skipped} skipped, ${failed} failed)`;
    if (!quiet && now !== last) process.stderr.write(`${bulk.status}: ${now}\n`);
    last = now;
    if (bulk.status !== 'running') return bulk;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function bulkReplay(api: ApiClient, json: boolean, options: ReplayOptions): Promise<void> {
  const body = {
    filter: filterOf(options, '--filter-model'),
    ...(options.model !== undefined ? { overrides: { model: options.model } } : {}),
    ...(options.maxJobs !== undefined ? { max_jobs: options.maxJobs } : {}),
    ...(options.perSecond !== undefined ? { per_second: options.perSecond } : {}),
  };
  const query = { tenant: options.tenant };
  const preview = await api.post<BulkReplayPreview>('/v1/jobs/replays', { ...body, dry_run: true }, query);
  if (options.dryRun || preview.matched === 0) {
    if (json) {
      printJson(preview);
      return;
    }
    line(`${preview.matched} job${preview.matched === 1 ? '' : 's'} match${preview.matched === 1 ? 'es' : ''}.`);
    for (const id of preview.job_ids.slice(0, PREVIEW_IDS)) line(`  ${id}`);
    if (preview.job_ids.length > PREVIEW_IDS) line(`  … and ${preview.matched - PREVIEW_IDS} more`);
    return;
  }
  if (!options.yes) {
    const scope = options.tenant ? `of tenant ${options.tenant}` : 'of every tenant';
    const ok = await confirm(`Replay ${preview.matched} jobs ${scope}? [y/N] `);
    if (!ok) throw new CliError('Not replayed.');
  }
  const started = await api.post<BulkReplayStarted>('/v1/jobs/replays', body, query);
  if (!options.wait) {
    if (json) printJson(started);
    else line(`Bulk replay ${started.id} started for ${preview.matched} jobs: switchyard jobs show ${started.id}`);
    return;
  }
  if (!json) line(`Bulk replay ${started.id} started for ${preview.matched} jobs.`);
  const ended = await waitForEnd(api, started.id, json);
  if (json) printJson(ended);
  else printBulkReplay(ended);
  if (ended.status !== 'completed') throw new CliError(`Bulk replay ${ended.id} ended ${ended.status}.`);
  if (ended.progress.failed > 0) throw new CliError(`${ended.progress.failed} replays could not be started.`);
}

/** `switchyard jobs replay <id>` and `switchyard jobs replay --filter …`. */
export function registerReplay(jobs: Command): void {
  addFilterOptions(
    jobs
      .command('replay')
      .description('replay one job, or every job a filter matches (--filter)')
      .argument('[id]', 'the job to replay')
      .option('--filter', 'bulk: replay every job the filter options match (see below)')
      .option('--model <model>', 'bulk: the model or route the replays ask for instead of the original')
      .option('--per-second <n>', 'bulk: replays started per second (0.1–100, default 10)', numberIn(0.1, 100))
      .option('--max-jobs <n>', 'bulk: replay at most this many jobs (1–10000, default 1000)', integerIn(1, 10_000))
      .option('--dry-run', 'bulk: only show how many jobs match, and which')
      .option('--yes', 'bulk: do not ask for confirmation')
      .option('--wait', 'bulk: follow the progress until the bulk replay ends, then print its report'),
    '--filter-model',
  )
    .addHelpText(
      'after',
      `
Examples:
  switchyard jobs replay job_123
  switchyard jobs replay --filter --status failed --failure-type SERVER_ERROR --since 2h --dry-run
  switchyard jobs replay --filter --status failed --filter-model gpt-4o --model claude-haiku-4-5 --yes --wait`,
    )
    .action(async (id: string | undefined, options: ReplayOptions, command: Command) => {
      const { api, json } = contextOf(command);
      if (options.filter) {
        if (id !== undefined) throw new UsageError('Give a job id or --filter, not both.');
        await bulkReplay(api, json, options);
        return;
      }
      if (id === undefined) throw new UsageError('Give the id of the job to replay, or --filter with filter options.');
      const replay = await api.post<{ id: string; status: string; replay_of: string }>(
        `/v1/jobs/${encodeURIComponent(id)}/replay`,
      );
      if (json) printJson(replay);
      else line(`Replay ${replay.id} of ${replay.replay_of} started: switchyard jobs show ${replay.id}`);
    });
}
