import { nullable, type JsonSchema } from './openapi-responses';

const embeddings: JsonSchema = {
  type: 'object',
  required: ['object', 'data', 'model', 'usage'],
  properties: {
    object: { const: 'list' },
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['object', 'index', 'embedding'],
        properties: {
          object: { const: 'embedding' },
          index: { type: 'integer' },
          embedding: {
            description: 'Floats, or little-endian float32s in base64 with `encoding_format: "base64"`.',
            oneOf: [{ type: 'array', items: { type: 'number' } }, { type: 'string' }],
          },
        },
      },
    },
    model: { type: 'string' },
    usage: {
      type: 'object',
      properties: { prompt_tokens: { type: 'integer' }, total_tokens: { type: 'integer' } },
    },
  },
};

const file: JsonSchema = {
  type: 'object',
  required: ['id', 'object', 'bytes', 'created_at', 'filename', 'purpose', 'status'],
  properties: {
    id: { type: 'string' },
    object: { const: 'file' },
    bytes: { type: 'integer' },
    created_at: { type: 'integer' },
    filename: { type: 'string' },
    purpose: { enum: ['batch', 'batch_output'] },
    status: { const: 'processed' },
  },
};

const fileDeleted: JsonSchema = {
  type: 'object',
  required: ['id', 'object', 'deleted'],
  properties: { id: { type: 'string' }, object: { const: 'file' }, deleted: { const: true } },
};

const epochSeconds = { type: ['integer', 'null'] };

const batch: JsonSchema = {
  type: 'object',
  required: ['id', 'object', 'endpoint', 'status', 'created_at', 'request_counts'],
  properties: {
    id: { type: 'string', description: 'The job id: `GET /v1/jobs/{id}` shows the same job.' },
    object: { const: 'batch' },
    endpoint: { const: '/v1/chat/completions' },
    errors: nullable({ type: 'object' }),
    input_file_id: nullable({ type: 'string' }),
    completion_window: { const: '24h' },
    status: {
      enum: ['validating', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelling', 'cancelled'],
    },
    output_file_id: nullable({ type: 'string' }),
    error_file_id: nullable({ type: 'string' }),
    created_at: { type: 'integer' },
    in_progress_at: epochSeconds,
    expires_at: { type: 'integer' },
    finalizing_at: epochSeconds,
    completed_at: epochSeconds,
    failed_at: epochSeconds,
    expired_at: epochSeconds,
    cancelling_at: epochSeconds,
    cancelled_at: epochSeconds,
    request_counts: {
      type: 'object',
      properties: { total: { type: 'integer' }, completed: { type: 'integer' }, failed: { type: 'integer' } },
    },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    switchyard: {
      type: 'object',
      description: 'The phase, the provider’s own state, the reservation, a bound on the cost so far, and the charge.',
    },
  },
};

/** The answers of the batched-work routes (embeddings, files, batches), keyed by their component name. */
export const batchedWorkSchemas: Record<string, JsonSchema> = {
  Embeddings: embeddings,
  File: file,
  FileDeleted: fileDeleted,
  Batch: batch,
};
