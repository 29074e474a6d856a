import { z } from 'zod';
import { HttpError } from './http-error';
import { AI_JOB_WORKFLOW } from '../contract/job';
import { EMBEDDING_BATCH_WORKFLOW } from '../contract/embedding-batch';
import { BULK_REPLAY_WORKFLOW, type JobFilter, type JobFilterStatus } from '../contract/bulk-replay';
import * as attributes from '../contract/search-attributes';

/** Temporal's `ExecutionStatus` of each job state a filter names. */
const EXECUTION_STATUS: Record<JobFilterStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
};

/** The workflow types `GET /v1/jobs` lists: chat jobs, embeddings jobs and bulk replays (not flights or batches). */
export const LISTED_WORKFLOW_TYPES = [AI_JOB_WORKFLOW, EMBEDDING_BATCH_WORKFLOW, BULK_REPLAY_WORKFLOW] as const;

const STATUSES = Object.keys(EXECUTION_STATUS) as JobFilterStatus[];

const keyword = z.string().min(1, 'must not be empty').max(256, 'has at most 256 characters');
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z' });

/** `running,failed` or `['running', 'failed']` → the states, each checked. */
const statusList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()))
  .pipe(z.array(z.enum(STATUSES, { message: `each status is one of ${STATUSES.join(', ')}` })).min(1));

/** The filter fields a list's query and a bulk replay's body share; `degraded` as given by each. */
function filterShape<D extends z.ZodType<boolean>>(degraded: D) {
  return {
    status: statusList.optional(),
    model: keyword.optional(),
    provider: keyword.optional(),
    failure_type: keyword.optional(),
    created_after: instant.optional(),
    created_before: instant.optional(),
    replay_of: keyword.optional(),
    degraded: degraded.optional(),
  };
}

/** `GET /v1/jobs` query parameters (every one validated; an unknown one is a 400 too). */
export const listQuerySchema = z
  .object({
    ...filterShape(z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true')),
    limit: z.coerce
      .number({ message: 'must be a whole number from 1 to 200' })
      .int('must be a whole number from 1 to 200')
      .min(1, 'must be at least 1')
      .max(200, 'must be at most 200')
      .default(50),
    cursor: z
      .string()
      .max(4096, 'is not a cursor from next_cursor')
      .regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor from next_cursor')
      .optional(),
    tenant: z.string().optional(),
  })
  .strict();

/** The filter of a bulk replay's body. */
export const jobFilterSchema = z.object(filterShape(z.boolean({ message: 'must be true or false' }))).strict();

/**
 * A string literal of Temporal's visibility query language. Backslashes and both quote characters are escaped,
 * so a value can neither end its literal early nor add conditions to the query.
 */
export function quoted(value: string): string {
  return `'${value.replace(/[\\'"]/g, (c) => `\\${c}`)}'`;
}

/**
 * The visibility query for `filter`: always limited to the listed workflow types, and to `tenantId`'s jobs unless it
 * is null (an operator listing every tenant). Every value is quoted by {@link quoted}.
 */
export function jobListQuery(
  filter: JobFilter,
  tenantId: string | null,
  types: readonly string[] = LISTED_WORKFLOW_TYPES,
): string {
  const clauses = [`WorkflowType IN (${types.map(quoted).join(', ')})`];
  if (tenantId !== null) clauses.push(`${attributes.TENANT.name} = ${quoted(tenantId)}`);
  if (filter.status?.length) {
    clauses.push(
      `ExecutionStatus IN (${[...new Set(filter.status)].map((s) => quoted(EXECUTION_STATUS[s])).join(', ')})`,
    );
  }
  if (filter.model !== undefined) clauses.push(`${attributes.MODEL.name} = ${quoted(filter.model)}`);
  if (filter.provider !== undefined) clauses.push(`${attributes.PROVIDER.name} = ${quoted(filter.provider)}`);
  if (filter.failure_type !== undefined) {
    clauses.push(`${attributes.FAILURE_TYPE.name} = ${quoted(filter.failure_type)}`);
  }
  if (filter.replay_of !== undefined) clauses.push(`${attributes.REPLAY_OF.name} = ${quoted(filter.replay_of)}`);
  if (filter.degraded !== undefined) clauses.push(`${attributes.DEGRADED.name} = ${filter.degraded}`);
  if (filter.created_after !== undefined) {
    clauses.push(`StartTime > ${quoted(new Date(filter.created_after).toISOString())}`);
  }
  if (filter.created_before !== undefined) {
    clauses.push(`StartTime < ${quoted(new Date(filter.created_before).toISOString())}`);
  }
  return clauses.join(' AND ');
}

/** The filter fields of a parsed list query, without its paging and tenant parameters. */
export function filterOf(query: z.infer<typeof listQuerySchema>): JobFilter {
  const { limit: _limit, cursor: _cursor, tenant: _tenant, ...filter } = query;
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
}

/**
 * Parses `value` with `schema`, or throws a 400 whose body names the offending parameter as `param` (an unknown
 * parameter too), with every problem under `errors`.
 */
export function parseParameters<T extends z.ZodType>(schema: T, value: unknown, code: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => {
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
    // A list's element (`status.0`) is reported as the list it is in.
    const path = issue.path.filter((segment) => typeof segment === 'string');
    const field = [...path, ...(unknown ? [unknown] : [])].join('.');
    return { field, message: unknown ? 'is not a known parameter' : issue.message };
  });
  const param = errors[0]?.field ?? null;
  throw new HttpError(400, code, errors.map((e) => `${e.field || '(body)'}: ${e.message}`).join('; '), {
    param,
    details: { param, errors },
  });
}
