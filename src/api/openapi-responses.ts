/**
 * JSON Schemas of what the API answers, for the OpenAPI document. Request schemas are generated from the zod
 * schemas the routes validate with (see openapi.ts); responses are built by code rather than parsed, so they
 * are described here. Objects stay open (`additionalProperties` allowed) where the API may add members.
 */

/** A JSON Schema (2020-12) object, as OpenAPI 3.1 embeds it. */
export type JsonSchema = { [keyword: string]: unknown };

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };

/** A stable, machine-readable error code such as `unknown_model`. */
const errorCode: JsonSchema = { type: 'string', pattern: '^[a-z][a-z0-9_]*$' };

const problem: JsonSchema = {
  type: 'object',
  description:
    'RFC 9457 problem details (`application/problem+json`). `code` is stable; `detail` is for people. Validation ' +
    'errors add `errors` (one entry per offending field); rate limits add `limit`, `limit_value` and `retry_after_seconds`.',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: errorCode,
    detail: { type: 'string' },
    errors: { type: 'array', items: ref('FieldError') },
    job_id: { type: 'string' },
    limit: { type: 'string' },
    limit_value: { type: 'number' },
    retry_after_seconds: { type: 'number' },
  },
};

const fieldError: JsonSchema = {
  type: 'object',
  required: ['field', 'message'],
  properties: {
    field: { type: 'string', description: 'Dotted path of the field; empty for the body itself.' },
    message: { type: 'string' },
  },
};

const openAIError: JsonSchema = {
  type: 'object',
  description: "OpenAI's error object, so the official SDKs raise their usual error classes.",
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string', examples: ['invalid_request_error', 'authentication_error', 'rate_limit_error'] },
        param: nullable({ type: 'string' }),
        code: errorCode,
        errors: { type: 'array', items: ref('FieldError') },
        job_id: { type: 'string' },
      },
    },
  },
};

const jobAccepted: JsonSchema = {
  type: 'object',
  required: ['id', 'object', 'status', 'links'],
  properties: {
    id: ref('JobId'),
    object: { const: 'job' },
    status: {
      enum: ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'],
      description: "'running' for a new job; an idempotent resubmit reports the earlier job's current status.",
    },
    model: { type: 'string' },
    replay_of: ref('JobId'),
    links: { type: 'object', required: ['self'], properties: { self: { type: 'string' } } },
  },
};

const attempt: JsonSchema = {
  type: 'object',
  description: 'One target tried by the job: provider, model, outcome and the Temporal attempt count.',
  properties: { providerId: { type: 'string' }, model: { type: 'string' }, outcome: { type: 'string' } },
};

const jobResult: JsonSchema = {
  type: 'object',
  required: ['jobId', 'completion', 'providerId', 'model', 'costUsd', 'cacheHit', 'degraded'],
  properties: {
    jobId: ref('JobId'),
    completion: ref('ChatCompletion'),
    providerId: { type: 'string' },
    model: { type: 'string' },
    usage: {
      type: 'object',
      properties: { inputTokens: { type: 'integer' }, outputTokens: { type: 'integer' } },
    },
    costUsd: nullable({ type: 'number', description: 'Null when the model has no price.' }),
    latencyMs: { type: 'number' },
    providerLatencyMs: { type: 'number' },
    attempts: { type: 'array', items: ref('Attempt') },
    cacheHit: { type: 'boolean' },
    coalesced: { type: 'boolean' },
    downgraded: { type: 'boolean' },
    degraded: { type: 'boolean' },
    degradation: {
      type: 'object',
      properties: {
        reason: { enum: ['stale_cache', 'rule', 'message'] },
        failureType: { type: 'string' },
        failureMessage: { type: 'string' },
      },
    },
  },
};

const job: JsonSchema = {
  type: 'object',
  required: ['id', 'object', 'status', 'model', 'created_at', 'completed_at', 'metadata'],
  properties: {
    id: ref('JobId'),
    object: { const: 'job' },
    status: { enum: ['running', 'cancelling', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'] },
    model: nullable({ type: 'string' }),
    created_at: dateTime,
    completed_at: nullable(dateTime),
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    replay_of: ref('JobId'),
    progress: {
      type: 'object',
      description: 'Live progress while the job runs.',
      properties: { phase: { type: 'string' }, attempts: { type: 'array', items: ref('Attempt') } },
    },
    result: ref('JobResult'),
    error: {
      type: 'object',
      required: ['code', 'type', 'message'],
      properties: { code: errorCode, type: { type: 'string' }, message: { type: 'string' }, attempts: {} },
    },
  },
};

const chatCompletion: JsonSchema = {
  type: 'object',
  description: "The provider's answer in OpenAI's chat completion shape.",
  required: ['id', 'object', 'created', 'model', 'choices'],
  properties: {
    id: { type: 'string' },
    object: { const: 'chat.completion' },
    created: { type: 'integer' },
    model: { type: 'string' },
    choices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'message'],
        properties: {
          index: { type: 'integer' },
          message: {
            type: 'object',
            required: ['role'],
            properties: { role: { const: 'assistant' }, content: nullable({ type: 'string' }) },
          },
          finish_reason: nullable({ type: 'string' }),
        },
      },
    },
    usage: {
      type: 'object',
      properties: {
        prompt_tokens: { type: 'integer' },
        completion_tokens: { type: 'integer' },
        total_tokens: { type: 'integer' },
      },
    },
  },
};

const spendPeriod: JsonSchema = {
  type: 'object',
  required: ['period', 'committedUsd', 'reservedUsd'],
  properties: {
    period: { type: 'string', description: 'The UTC day (YYYY-MM-DD) or month (YYYY-MM).' },
    committedUsd: { type: 'number' },
    reservedUsd: { type: 'number' },
    capUsd: nullable({ type: 'number' }),
  },
};

const spend: JsonSchema = {
  type: 'object',
  required: ['tenantId', 'daily', 'monthly'],
  properties: { tenantId: { type: 'string' }, daily: ref('SpendPeriod'), monthly: ref('SpendPeriod') },
};

/** `{ object: 'list', data: [...] }`, the shape of every listing. */
function listOf(items: JsonSchema): JsonSchema {
  return {
    type: 'object',
    required: ['object', 'data'],
    properties: { object: { const: 'list' }, data: { type: 'array', items } },
  };
}

const providerKeys: JsonSchema = listOf({
  type: 'object',
  required: ['alias', 'state'],
  properties: {
    alias: { type: 'string' },
    weight: { type: 'number' },
    state: { enum: ['available', 'cooling_down', 'out'] },
    out_until: nullable(dateTime),
    cooldown_until: nullable(dateTime),
  },
});

const keyRestored: JsonSchema = {
  type: 'object',
  required: ['provider', 'alias', 'state'],
  properties: { provider: { type: 'string' }, alias: { type: 'string' }, state: { const: 'available' } },
};

const circuits: JsonSchema = listOf({
  type: 'object',
  required: ['key', 'state'],
  properties: {
    key: { type: 'string', examples: ['openai:gpt-4o-mini'] },
    state: { enum: ['closed', 'open', 'half_open'] },
    open_until: nullable(dateTime),
    opened_at: nullable(dateTime),
    window: {
      type: 'object',
      properties: { requests: { type: 'integer' }, failures: { type: 'integer' } },
    },
    consecutive_failures: { type: 'integer' },
  },
});

const health: JsonSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { enum: ['ok', 'ready'] } },
};

/** The response schemas, keyed by their component name. */
export const responseSchemas: Record<string, JsonSchema> = {
  Problem: problem,
  FieldError: fieldError,
  OpenAIError: openAIError,
  JobAccepted: jobAccepted,
  Job: job,
  JobResult: jobResult,
  Attempt: attempt,
  ChatCompletion: chatCompletion,
  Spend: spend,
  SpendPeriod: spendPeriod,
  ProviderKeys: providerKeys,
  KeyRestored: keyRestored,
  Circuits: circuits,
  Health: health,
};
