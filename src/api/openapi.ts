import { z } from 'zod';
import { version } from '../../package.json';
import { responseSchemas, type JsonSchema } from './openapi-responses';
import { IDEMPOTENCY_KEY } from './routes/jobs';
import { chatCompletionBodySchema, jobBodySchema, jobIdSchema, waitQuerySchema } from './schemas';

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

/** One operation (method of a path). */
export interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
}

/**
 * The JSON Schema of what `schema` accepts. Generated from the very zod object the route validates with, so
 * the document cannot drift from the API; parts zod cannot express in JSON Schema (refinements) are left out.
 */
export function requestSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** Query parameters described by an object schema, one per property. */
function queryParameters(schema: z.ZodType): JsonSchema[] {
  const { properties = {}, required = [] } = requestSchemaOf(schema) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

type Security = Record<string, string[]>[];

const TENANT: Security = [{ tenantBearer: [] }, { tenantApiKey: [] }];
const OPERATOR: Security = [{ operatorBearer: [] }];
const PUBLIC: Security = [];

function json(schema: string, description: string, headers?: Record<string, JsonSchema>): JsonSchema {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: schemaRef(schema) } },
  };
}

function body(schema: string, description: string): JsonSchema {
  return { required: true, description, content: { 'application/json': { schema: schemaRef(schema) } } };
}

/** The problem+json errors every authenticated route may answer. */
const TENANT_ERRORS = { '401': responseRef('Unauthorized'), '503': responseRef('Unavailable') };
const OPERATOR_ERRORS = {
  '401': responseRef('Unauthorized'),
  '403': responseRef('Forbidden'),
  '503': responseRef('Unavailable'),
};
const JOB_ID_ERRORS = { '400': responseRef('BadRequest'), '404': responseRef('NotFound') };
const BODY_ERRORS = {
  '400': responseRef('BadRequest'),
  '413': responseRef('PayloadTooLarge'),
  '415': responseRef('UnsupportedMediaType'),
  '429': responseRef('RateLimited'),
};

/** Every status `POST /v1/chat/completions` may answer with an error, in OpenAI's error shape. */
const CHAT_ERRORS: Record<string, string> = {
  '400':
    'Invalid request (the `param` names the field), unknown model, streaming requested, or the provider refused it.',
  '401': 'Missing or invalid API key.',
  '402': 'The tenant’s spending cap is reached (`budget_exceeded`).',
  '413': 'The body is larger than the configured limit.',
  '415': 'The body is not UTF-8 JSON.',
  '422': 'Cache-only request with no cached answer (`cache_miss`).',
  '429': 'Tenant rate limit or the provider’s own rate limit.',
  '502': 'The provider failed for good (auth, quota, error).',
  '503': 'Temporal or the provider is unavailable.',
  '504': 'The job did not finish in time; it goes on and can be read at `GET /v1/jobs/{id}`.',
};

function openAIErrors(): Record<string, JsonSchema> {
  return Object.fromEntries(
    Object.entries(CHAT_ERRORS).map(([status, description]) => [
      status,
      {
        description,
        ...(status === '429' || status === '503' ? { headers: { 'Retry-After': headerRef('RetryAfter') } } : {}),
        content: { 'application/json': { schema: schemaRef('OpenAIError') } },
      },
    ]),
  );
}

function problem(description: string, retryAfter = false): JsonSchema {
  return {
    description,
    ...(retryAfter ? { headers: { 'Retry-After': headerRef('RetryAfter') } } : {}),
    content: { 'application/problem+json': { schema: schemaRef('Problem') } },
  };
}

function paths(): OpenApiDocument['paths'] {
  const jobId = { $ref: '#/components/parameters/JobId' };
  const accepted = json('JobAccepted', 'Accepted: the job runs; poll `Location`.', { Location: headerRef('Location') });
  return {
    '/v1/jobs': {
      post: {
        operationId: 'submitJob',
        summary: 'Submit a job (an OpenAI chat request plus metadata); answers at once.',
        tags: ['jobs'],
        parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
        requestBody: body('JobRequest', 'The chat request; unknown fields are rejected.'),
        responses: {
          '202': json('JobAccepted', 'Accepted, or the job an Idempotency-Key already started.', {
            Location: headerRef('Location'),
            'Idempotent-Replayed': headerRef('IdempotentReplayed'),
          }),
          ...BODY_ERRORS,
          ...TENANT_ERRORS,
          '409': responseRef('Conflict'),
        },
      },
    },
    '/v1/jobs/{id}': {
      get: {
        operationId: 'getJob',
        summary: 'A job: status, live progress, result or error; `wait` long-polls until it ends.',
        tags: ['jobs'],
        parameters: [jobId, ...queryParameters(waitQuerySchema)],
        responses: { '200': json('Job', 'The job.'), ...JOB_ID_ERRORS, ...TENANT_ERRORS },
      },
      delete: {
        operationId: 'deleteJob',
        summary: 'Cancel a running job (same as `POST /v1/jobs/{id}/cancel`).',
        tags: ['jobs'],
        parameters: [jobId],
        responses: {
          '202': json('Job', 'Cancellation requested; `status` is `cancelling`.'),
          ...JOB_ID_ERRORS,
          ...TENANT_ERRORS,
          '409': responseRef('Conflict'),
        },
      },
    },
    '/v1/jobs/{id}/cancel': {
      post: {
        operationId: 'cancelJob',
        summary: 'Cancel a running job; the provider request is aborted. 409 if it already ended.',
        tags: ['jobs'],
        parameters: [jobId],
        responses: {
          '202': json('Job', 'Cancellation requested; `status` is `cancelling`.'),
          ...JOB_ID_ERRORS,
          ...TENANT_ERRORS,
          '409': responseRef('Conflict'),
        },
      },
    },
    '/v1/jobs/{id}/replay': {
      post: {
        operationId: 'replayJob',
        summary: 'Start a new job with the original request (planned with today’s config, cache read skipped).',
        tags: ['jobs'],
        parameters: [jobId],
        responses: {
          '202': accepted,
          ...JOB_ID_ERRORS,
          ...TENANT_ERRORS,
          '409': responseRef('Conflict'),
          '429': responseRef('RateLimited'),
        },
      },
    },
    '/v1/chat/completions': {
      post: {
        operationId: 'createChatCompletion',
        summary: 'OpenAI-compatible chat completion: a durable job run synchronously (no streaming).',
        tags: ['openai'],
        requestBody: body('ChatCompletionRequest', 'An OpenAI chat request; unknown fields are rejected.'),
        responses: {
          '200': json('ChatCompletion', 'The completion in OpenAI’s shape.', {
            'x-switchyard-job-id': headerRef('SwitchyardJobId'),
            'x-switchyard-provider': headerRef('SwitchyardProvider'),
            'x-switchyard-cost-usd': headerRef('SwitchyardCostUsd'),
            'x-switchyard-cache': headerRef('SwitchyardCache'),
            'x-switchyard-degraded': headerRef('SwitchyardDegraded'),
          }),
          ...openAIErrors(),
        },
      },
    },
    '/v1/spend': {
      get: {
        operationId: 'getSpend',
        summary: 'The caller’s spend today and this month against its caps.',
        tags: ['spend'],
        responses: { '200': json('Spend', 'Spend per period.'), ...TENANT_ERRORS },
      },
    },
    '/v1/admin/tenants/{tenant}/spend': {
      get: {
        operationId: 'getTenantSpend',
        summary: 'Any tenant’s spend (operators).',
        tags: ['admin'],
        security: OPERATOR,
        parameters: [pathParameter('tenant', 'Tenant id from the config.')],
        responses: { '200': json('Spend', 'Spend per period.'), '404': responseRef('NotFound'), ...OPERATOR_ERRORS },
      },
    },
    '/v1/admin/providers/{provider}/keys': {
      get: {
        operationId: 'listProviderKeys',
        summary: 'The state of each key of a provider’s key pool (operators).',
        tags: ['admin'],
        security: OPERATOR,
        parameters: [pathParameter('provider', 'Provider id from the config.')],
        responses: {
          '200': json('ProviderKeys', 'Every key alias and its state.'),
          '404': responseRef('NotFound'),
          ...OPERATOR_ERRORS,
        },
      },
    },
    '/v1/admin/providers/{provider}/keys/{alias}/restore': {
      post: {
        operationId: 'restoreProviderKey',
        summary: 'Make a key that is out of quota or cooling down usable again at once (operators).',
        tags: ['admin'],
        security: OPERATOR,
        parameters: [pathParameter('provider', 'Provider id from the config.'), pathParameter('alias', 'Key alias.')],
        responses: {
          '200': json('KeyRestored', 'The key is available.'),
          '404': responseRef('NotFound'),
          ...OPERATOR_ERRORS,
        },
      },
    },
    '/v1/admin/circuits': {
      get: {
        operationId: 'listCircuits',
        summary: 'Every provider model’s circuit breaker (operators).',
        tags: ['admin'],
        security: OPERATOR,
        responses: { '200': json('Circuits', 'Circuits and their window counts.'), ...OPERATOR_ERRORS },
      },
    },
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'The process is up.',
        tags: ['operations'],
        security: PUBLIC,
        responses: { '200': json('Health', 'Up.') },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readiness',
        summary: 'Temporal is reachable, so jobs can be accepted.',
        tags: ['operations'],
        security: PUBLIC,
        responses: { '200': json('Health', 'Ready.'), '503': responseRef('Unavailable') },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (operators: they name every tenant).',
        tags: ['operations'],
        security: OPERATOR,
        responses: {
          '200': { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...OPERATOR_ERRORS,
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document.',
        tags: ['operations'],
        security: PUBLIC,
        responses: {
          '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
  };
}

function pathParameter(name: string, description: string): JsonSchema {
  return { name, in: 'path', required: true, description, schema: { type: 'string' } };
}

function components(): OpenApiDocument['components'] {
  return {
    schemas: {
      JobRequest: requestSchemaOf(jobBodySchema),
      ChatCompletionRequest: requestSchemaOf(chatCompletionBodySchema),
      JobId: requestSchemaOf(jobIdSchema),
      ...responseSchemas,
    },
    parameters: {
      JobId: { name: 'id', in: 'path', required: true, schema: schemaRef('JobId') },
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
        description: 'How the cache served the request.',
        schema: { enum: ['hit', 'miss', 'coalesced'] },
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
      Unavailable: problem('Temporal or a store is unreachable.', true),
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
    paths: paths(),
    components: components(),
  };
}
