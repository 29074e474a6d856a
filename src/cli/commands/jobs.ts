import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import { CliError } from '../cli-error';
import { contextOf } from '../context';
import { integerIn } from '../parse';
import { line, printFields, printJson, printTable, usd } from '../output';
import { addFilterOptions, filterOf, type JobFilterOptions } from './job-filter';
import type { BulkReplay, JobList, JobListItem, JobView } from './job-types';
import { registerReplay, printBulkReplay } from './replay';

interface ListOptions extends JobFilterOptions {
  limit?: number;
  cursor?: string;
  all?: boolean;
}

/** Every page of a listing, following `next_cursor` to the end. */
async function allPages(api: ApiClient, query: Record<string, string | number | boolean | undefined>) {
  const data: JobListItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<JobList>('/v1/jobs', { ...query, cursor });
    data.push(...page.data);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return data;
}

function printJobs(jobs: JobListItem[]): void {
  printTable(
    ['id', 'kind', 'tenant', 'status', 'model', 'provider', 'failure', 'cost', 'created'],
    jobs.map((job) => [
      job.id,
      job.kind,
      job.tenant,
      job.degraded ? `${job.status} (degraded)` : job.status,
      job.model,
      job.provider,
      job.failure_type,
      usd(job.cost_usd),
      job.created_at,
    ]),
  );
}

function printJob(job: JobView): void {
  const result = job.result;
  const content = result?.completion?.choices?.[0]?.message?.content;
  printFields([
    ['id', job.id],
    ['status', job.status],
    ['model', job.model],
    ['created', job.created_at],
    ['completed', job.completed_at],
    ...(job.replay_of ? ([['replay of', job.replay_of]] as Array<[string, string]>) : []),
    ...(result
      ? ([
          ['provider', result.providerId],
          ['cost', usd(result.costUsd)],
          ['cache hit', result.cacheHit],
          ['degraded', result.degraded],
          ['latency ms', result.latencyMs],
          ['answer', typeof content === 'string' ? content : undefined],
        ] as Array<[string, string | number | boolean | null | undefined]>)
      : []),
    ...(job.error
      ? ([['error', `${job.error.message} (${job.error.code}, ${job.error.type})`]] as Array<[string, string]>)
      : []),
    // Why it failed, target by target: the failure type each provider answered with, after how many tries.
    ...(job.error?.attempts ?? []).map((attempt, i): [string, string] => [
      `attempt ${i + 1}`,
      `${attempt.providerId}:${attempt.model} ${attempt.outcome} ×${attempt.attempts}` +
        (attempt.message ? ` — ${attempt.message}` : ''),
    ]),
  ]);
}

/** `switchyard jobs …`: list, show, cancel and replay jobs. */
export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('list, inspect, cancel and replay jobs');

  addFilterOptions(
    jobs
      .command('list')
      .description('list jobs, newest first')
      .option('--limit <n>', 'jobs per page (1–200)', integerIn(1, 200))
      .option('--cursor <cursor>', 'the page after this next_cursor')
      .option('--all', 'follow next_cursor to the last page'),
    '--model',
  )
    .addHelpText('after', '\nExample:\n  switchyard jobs list --status failed --since 1h --provider openai')
    .action(async (options: ListOptions, command: Command) => {
      const { api, json } = contextOf(command);
      const query = { ...filterOf(options, '--model'), tenant: options.tenant, limit: options.limit };
      if (options.all) {
        const data = await allPages(api, { ...query, limit: options.limit ?? 200 });
        if (json) printJson({ object: 'list', data, next_cursor: null });
        else printJobs(data);
        return;
      }
      const page = await api.get<JobList>('/v1/jobs', { ...query, cursor: options.cursor });
      if (json) {
        printJson(page);
        return;
      }
      printJobs(page.data);
      if (page.next_cursor) line(`\nMore jobs: --all, or --cursor ${page.next_cursor}`);
    });

  jobs
    .command('show')
    .description('show one job, or a bulk replay with its progress and report')
    .argument('<id>', 'job id (job_…) or bulk replay id (bulk_…)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api, json } = contextOf(command);
      const job = await api.get<JobView | BulkReplay>(`/v1/jobs/${encodeURIComponent(id)}`);
      if (json) printJson(job);
      else if (job.object === 'bulk_replay') printBulkReplay(job);
      else printJob(job);
    });

  jobs
    .command('cancel')
    .description('cancel running jobs (or bulk replays)')
    .argument('<ids...>', 'job ids')
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const { api, json } = contextOf(command);
      const outcomes: Array<{ id: string; ok: boolean; status?: string; error?: string }> = [];
      for (const id of ids) {
        try {
          const answer = await api.post<{ status?: string }>(`/v1/jobs/${encodeURIComponent(id)}/cancel`);
          outcomes.push({ id, ok: true, ...(answer.status ? { status: answer.status } : {}) });
        } catch (err) {
          if (!(err instanceof CliError) || ids.length === 1) throw err;
          outcomes.push({ id, ok: false, error: err.message });
        }
      }
      if (json) printJson({ object: 'list', data: outcomes });
      else for (const o of outcomes) line(o.ok ? `${o.id}: ${o.status ?? 'cancelling'}` : `${o.id}: ${o.error ?? ''}`);
      const failed = outcomes.filter((o) => !o.ok).length;
      if (failed > 0) throw new CliError(`${failed} of ${ids.length} cancellations failed.`);
    });

  registerReplay(jobs);
}
