import { body, json, responseRef, schemaRef, type Operation, type Security } from './openapi-paths';
import type { JsonSchema } from './openapi-responses';
import { queryParameters, requestSchemaOf } from './openapi-zod';
import { listQuerySchema } from './job-list-query';
import { bulkReplayBodySchema } from './bulk-replay-schemas';

/** A tenant key, or an operator key with `?tenant=` (see "Operator access" in the README). */
const TENANT_OR_OPERATOR: Security = [{ tenantBearer: [] }, { tenantApiKey: [] }, { operatorBearer: [] }];

const ERRORS = {
  '400': responseRef('BadRequest'),
  '401': responseRef('Unauthorized'),
  '403': responseRef('Forbidden'),
  '503': responseRef('Unavailable'),
};

const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };

/** `GET /v1/jobs`, added to the `/v1/jobs` path item beside `POST`. */
export function listJobsOperation(): Operation {
  return {
    operationId: 'listJobs',
    summary: 'List jobs, newest first, from Temporal visibility (eventually consistent by a moment).',
    tags: ['jobs'],
    security: TENANT_OR_OPERATOR,
    parameters: queryParameters(listQuerySchema),
    responses: { '200': json('JobList', 'One page of jobs; follow `next_cursor` for the next.'), ...ERRORS },
  };
}

/** `POST /v1/jobs/replays`. */
export function jobReplayPaths(): Record<string, Record<string, Operation>> {
  return {
    '/v1/jobs/replays': {
      post: {
        operationId: 'replayJobs',
        summary: 'Replay every closed job a filter matches, as one durable bulk replay (or preview it with `dry_run`).',
        tags: ['jobs'],
        security: TENANT_OR_OPERATOR,
        requestBody: body('BulkReplayRequest', 'Which jobs to replay, how and how fast; unknown fields are rejected.'),
        responses: {
          '200': json('BulkReplayPreview', '`dry_run`: the jobs the bulk replay would take.'),
          '202': json('BulkReplayAccepted', 'Started; read it with `GET /v1/jobs/{id}`, cancel it like a job.'),
          ...ERRORS,
        },
      },
    },
  };
}

const jobListItem: JsonSchema = {
  type: 'object',
  required: ['id', 'object', 'kind', 'tenant', 'status', 'created_at', 'closed_at'],
  properties: {
    id: { type: 'string' },
    object: { const: 'job' },
    kind: { enum: ['chat', 'embeddings', 'bulk_replay'] },
    tenant: nullable({ type: 'string' }),
    status: { enum: ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'] },
    model: nullable({ type: 'string' }),
    provider: nullable({ type: 'string' }),
    failure_type: nullable({ type: 'string' }),
    cost_usd: nullable({ type: 'number' }),
    cache_hit: nullable({ type: 'boolean' }),
    degraded: nullable({ type: 'boolean' }),
    replay_of: nullable({ type: 'string' }),
    created_at: dateTime,
    closed_at: nullable(dateTime),
  },
};

const counts: JsonSchema = {
  type: 'object',
  properties: {
    matched: { type: 'integer' },
    replayed: { type: 'integer' },
    skipped: { type: 'integer' },
    failed: { type: 'integer' },
  },
};

const entries = (fields: Record<string, JsonSchema>): JsonSchema => ({
  type: 'array',
  items: { type: 'object', required: Object.keys(fields), properties: fields },
});

/** The schemas of the list and bulk replay routes, keyed by their component name. */
export function jobListSchemas(): Record<string, JsonSchema> {
  return {
    BulkReplayRequest: requestSchemaOf(bulkReplayBodySchema),
    JobListItem: jobListItem,
    JobList: {
      type: 'object',
      required: ['object', 'data', 'next_cursor'],
      properties: {
        object: { const: 'list' },
        data: { type: 'array', items: schemaRef('JobListItem') },
        next_cursor: nullable({ type: 'string' }),
      },
    },
    BulkReplayPreview: {
      type: 'object',
      required: ['object', 'matched', 'job_ids'],
      properties: {
        object: { const: 'bulk_replay_preview' },
        matched: { type: 'integer' },
        job_ids: { type: 'array', items: { type: 'string' } },
      },
    },
    BulkReplayAccepted: {
      type: 'object',
      required: ['id', 'object', 'status', 'per_second', 'links'],
      properties: {
        id: { type: 'string', pattern: '^bulk_' },
        object: { const: 'bulk_replay' },
        status: { const: 'running' },
        per_second: {
          type: 'number',
          description: 'Replays started per second: `per_second`, at most the tenant’s requests-per-minute ÷ 60.',
        },
        links: { type: 'object', properties: { self: { type: 'string' } } },
      },
    },
    BulkReplay: {
      type: 'object',
      description: 'What `GET /v1/jobs/{id}` answers for a bulk replay id (`bulk_…`).',
      required: ['id', 'object', 'status', 'tenant', 'filter', 'overrides', 'progress', 'report', 'created_at'],
      properties: {
        id: { type: 'string', pattern: '^bulk_' },
        object: { const: 'bulk_replay' },
        status: { enum: ['running', 'completed', 'failed', 'cancelled', 'cancelling', 'terminated', 'timed_out'] },
        tenant: nullable({ type: 'string' }),
        filter: { type: 'object' },
        overrides: { type: 'object', properties: { model: { type: 'string' } } },
        progress: counts,
        report: nullable({
          type: 'object',
          properties: {
            replayed: entries({ job_id: { type: 'string' }, replay_id: { type: 'string' } }),
            skipped: entries({ job_id: { type: 'string' }, reason: { type: 'string' } }),
            failed: entries({ job_id: { type: 'string' }, error: { type: 'string' } }),
          },
        }),
        created_at: dateTime,
      },
    },
  };
}
