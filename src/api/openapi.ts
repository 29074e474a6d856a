import { version } from '../../package.json';
import { paths, problem, schemaRef, TENANT, type Operation } from './openapi-paths';
import { batchedWorkPaths } from './openapi-batched-paths';
import { streamingPaths } from './openapi-streaming-paths';
import { jobListSchemas, jobReplayPaths, listJobsOperation } from './openapi-jobs-paths';
import { operatorPaths, operatorSchemas } from './openapi-operator-paths';
import { responseSchemas, type JsonSchema } from './openapi-responses';
import { batchedWorkSchemas } from './openapi-batched-responses';
import { requestSchemaOf } from './openapi-zod';
import { IDEMPOTENCY_KEY } from './routes/jobs';
import { payloadsJsonSchema } from '../codec/payload-json';
import { chatCompletionBodySchema, jobBodySchema, jobIdSchema } from './schemas';
import { embeddingsBodySchema, embeddingsJobBodySchema } from './embedding-schemas';
import { batchBodySchema } from './batch-schemas';

export { requestSchemaOf } from './openapi-zod';
export type { Operation } from './openapi-paths';

/** An OpenAPI 3.1 document (only the parts Switchyard's document uses are typed). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  jsonSchemaDialect: string;
  tags: { name: string; description: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, JsonSchema>;
    headers: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

function components(): OpenApiDocument['components'] {
  return {
    schemas: {
      JobRequest: requestSchemaOf(jobBodySchema),
      ChatCompletionRequest: requestSchemaOf(chatCompletionBodySchema),
      EmbeddingsRequest: requestSchemaOf(embeddingsBodySchema),
      EmbeddingsJobRequest: requestSchemaOf(embeddingsJobBodySchema),
      BatchRequest: requestSchemaOf(batchBodySchema),
      JobId: requestSchemaOf(jobIdSchema),
      Payloads: requestSchemaOf(payloadsJsonSchema),
      ...responseSchemas,
      ...batchedWorkSchemas,
      ...jobListSchemas(),
      ...operatorSchemas(),
    },
    parameters: {
      JobId: { name: 'id', in: 'path', required: true, schema: schemaRef('JobId') },
      FileId: { name: 'file_id', in: 'path', required: true, schema: { type: 'string' } },
      BatchId: { name: 'batch_id', in: 'path', required: true, schema: { type: 'string' } },
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'The same key returns the same job (with `Idempotent-Replayed: true`); the same key with a different ' +
          'body is a 409 `idempotency_key_reused`. Scoped by tenant.',
        schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source },
      },
    },
    headers: {
      RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } },
      Location: { description: 'The job’s URL.', schema: { type: 'string' } },
      IdempotentReplayed: { description: '`true` when the key matched an earlier job.', schema: { const: 'true' } },
      SwitchyardJobId: { description: 'The job that answered.', schema: schemaRef('JobId') },
      SwitchyardProvider: { description: '`provider:model` that answered.', schema: { type: 'string' } },
      SwitchyardCostUsd: { description: 'Cost in US dollars; absent when unpriced.', schema: { type: 'string' } },
      SwitchyardCache: {
        description: 'How the cache served the request (`partial`: some of an embeddings request’s texts).',
        schema: { enum: ['hit', 'miss', 'coalesced', 'partial'] },
      },
      SwitchyardBatchWaitMs: {
        description: 'How long the request’s texts waited for their batch at most, in ms.',
        schema: { type: 'string' },
      },
      SwitchyardBatchSize: {
        description: 'Texts in the largest batch the request’s texts went with.',
        schema: { type: 'string' },
      },
      SwitchyardDegraded: {
        description: 'Present when a fallback answered: which one.',
        schema: { enum: ['stale_cache', 'rule', 'message'] },
      },
    },
    responses: {
      BadRequest: problem('Invalid input; `errors` names each offending field.'),
      Unauthorized: problem('Missing or invalid API key.'),
      Forbidden: problem('An operator key is needed.'),
      NotFound: problem('No such job (or another tenant’s), tenant, provider or key.'),
      Conflict: problem('The job already ended, or the Idempotency-Key was used for a different request.'),
      PayloadTooLarge: problem('The body is larger than the configured limit.'),
      UnsupportedMediaType: problem('The body is not UTF-8 JSON.'),
      RateLimited: problem('Tenant rate limit exceeded; `limit` names it.', true),
      Unavailable: problem('Temporal or a store is unreachable, or the API is at capacity (`overloaded`).', true),
    },
    securitySchemes: {
      tenantBearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'A tenant API key (`Authorization: Bearer <key>`).',
      },
      tenantApiKey: {
        type: 'apiKey',
        in: 'header',
        name: 'x-api-key',
        description: 'A tenant API key, alternatively.',
      },
      operatorBearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'An operator key (`adminApiKeys` or SWITCHYARD_ADMIN_KEY), for the admin routes and /metrics.',
      },
    },
  };
}

/** Adds `GET /v1/jobs` to the `/v1/jobs` path item that `POST` (submit) opens. */
function withJobList(all: OpenApiDocument['paths']): OpenApiDocument['paths'] {
  return { ...all, '/v1/jobs': { ...all['/v1/jobs'], get: listJobsOperation() } };
}

/** The OpenAPI 3.1 document of the REST API. Build it once at start: it depends on nothing but the code. */
export function buildOpenApiDocument(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard',
      version,
      description:
        'Durable AI-job gateway. Errors are `application/problem+json` with a stable `code`, or OpenAI’s error ' +
        'object on `/v1/chat/completions`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [
      { name: 'jobs', description: 'Asynchronous jobs.' },
      { name: 'openai', description: 'OpenAI-compatible endpoints.' },
      { name: 'spend', description: 'Budgets.' },
      { name: 'admin', description: 'Operator endpoints (operator key).' },
      { name: 'operations', description: 'Health, readiness, metrics and this document.' },
    ],
    security: TENANT,
    paths: withJobList({ ...paths(), ...batchedWorkPaths(), ...streamingPaths(), ...jobReplayPaths(), ...operatorPaths() }),
    components: components(),
  };
}
