import { withEventStream } from './openapi-event-stream';
import type { JsonSchema } from './openapi-responses';
import { queryParameters } from './openapi-zod';
import { waitQuerySchema } from './schemas';

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
export const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

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

export type Security = Record<string, string[]>[];

export const TENANT: Security = [{ tenantBearer: [] }, { tenantApiKey: [] }];
export const OPERATOR: Security = [{ operatorBearer: [] }];
const PUBLIC: Security = [];

export function json(schema: string, description: string, headers?: Record<string, JsonSchema>): JsonSchema {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: schemaRef(schema) } },
  };
}

export function body(schema: string, description: string): JsonSchema {
  return { required: true, description, content: { 'application/json': { schema: schemaRef(schema) } } };
}

/** The problem+json errors every authenticated route may answer. */
const TENANT_ERRORS = { '401': responseRef('Unauthorized'), '503': responseRef('Unavailable') };
/** The problem+json errors every operator route may answer. */
export const OPERATOR_ERRORS = {
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

/** What cancelling a job answers, by either route. */
const cancelResponses = {
  '202': json('Job', 'Cancellation requested; `status` is `cancelling`.'),
  ...JOB_ID_ERRORS,
  ...TENANT_ERRORS,
  '409': responseRef('Conflict'),
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
  '503': 'Temporal or the provider is unavailable, or the gateway is at capacity (`overloaded`); see `Retry-After`.',
  '504': 'The job did not finish in time; it goes on and can be read at `GET /v1/jobs/{id}`.',
};

export function openAIErrors(): Record<string, JsonSchema> {
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

export function problem(description: string, retryAfter = false): JsonSchema {
  return {
    description,
    ...(retryAfter ? { headers: { 'Retry-After': headerRef('RetryAfter') } } : {}),
    content: { 'application/problem+json': { schema: schemaRef('Problem') } },
  };
}

/** Every route the API serves, by path and method. */
export function paths(): Record<string, Record<string, Operation>> {
  const jobId = { $ref: '#/components/parameters/JobId' };
  const accepted = json('JobAccepted', 'Accepted: the job runs; poll `Location`.', { Location: headerRef('Location') });
  return {
    '/v1/jobs': {
      post: {
        operationId: 'submitJob',
        summary: 'Submit a job (an OpenAI chat or embeddings request plus metadata); answers at once.',
        tags: ['jobs'],
        parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
        requestBody: {
          required: true,
          description: 'A chat request (`messages`) or an embeddings request (`input`); unknown fields are rejected.',
          content: {
            'application/json': { schema: { oneOf: [schemaRef('JobRequest'), schemaRef('EmbeddingsJobRequest')] } },
          },
        },
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
        responses: cancelResponses,
      },
    },
    '/v1/jobs/{id}/cancel': {
      post: {
        operationId: 'cancelJob',
        summary: 'Cancel a running job; the provider request is aborted. 409 if it already ended.',
        tags: ['jobs'],
        parameters: [jobId],
        responses: cancelResponses,
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
        summary: 'OpenAI-compatible chat completion: a durable job run synchronously, streamed with `stream: true`.',
        tags: ['openai'],
        requestBody: body('ChatCompletionRequest', 'An OpenAI chat request; unknown fields are rejected.'),
        responses: {
          '200': withEventStream(
            json('ChatCompletion', 'The completion in OpenAI’s shape; with `stream: true`, its chunks as events.', {
              'x-switchyard-job-id': headerRef('SwitchyardJobId'),
              'x-switchyard-provider': headerRef('SwitchyardProvider'),
              'x-switchyard-cost-usd': headerRef('SwitchyardCostUsd'),
              'x-switchyard-cache': headerRef('SwitchyardCache'),
              'x-switchyard-degraded': headerRef('SwitchyardDegraded'),
            }),
          ),
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

/** A required string path parameter. */
export function pathParameter(name: string, description: string): JsonSchema {
  return { name, in: 'path', required: true, description, schema: { type: 'string' } };
}
