import { body, headerRef, json, openAIErrors, type Operation } from './openapi-paths';

/** The OpenAI-compatible routes of batched work: embeddings, and files and batches for the Batch APIs. */
export function batchedWorkPaths(): Record<string, Record<string, Operation>> {
  const fileId = { $ref: '#/components/parameters/FileId' };
  const batchId = { $ref: '#/components/parameters/BatchId' };
  return {
    '/v1/embeddings': {
      post: {
        operationId: 'createEmbeddings',
        summary: 'OpenAI-compatible embeddings; uncached texts are micro-batched with other requests’ texts.',
        tags: ['openai'],
        requestBody: body('EmbeddingsRequest', 'An OpenAI embeddings request; unknown fields are rejected.'),
        responses: {
          '200': json('Embeddings', 'One vector per input text, in order.', {
            'x-switchyard-cost-usd': headerRef('SwitchyardCostUsd'),
            'x-switchyard-cache': headerRef('SwitchyardCache'),
            'x-switchyard-batch-wait-ms': headerRef('SwitchyardBatchWaitMs'),
            'x-switchyard-batch-size': headerRef('SwitchyardBatchSize'),
          }),
          ...openAIErrors(),
        },
      },
    },
    '/v1/files': {
      post: {
        operationId: 'createFile',
        summary: 'Upload a JSONL file of batch requests (`purpose: "batch"`), as OpenAI’s Files API.',
        tags: ['openai'],
        requestBody: {
          required: true,
          description: 'multipart/form-data with `file` (JSONL) and `purpose` (`batch`).',
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file', 'purpose'],
                properties: { file: { type: 'string', format: 'binary' }, purpose: { const: 'batch' } },
              },
            },
          },
        },
        responses: { '200': json('File', 'The stored file.'), ...openAIErrors() },
      },
    },
    '/v1/files/{file_id}': {
      get: {
        operationId: 'getFile',
        summary: 'A file of the caller’s: an upload, or a batch job’s output or error file.',
        tags: ['openai'],
        parameters: [fileId],
        responses: { '200': json('File', 'The file.'), ...openAIErrors() },
      },
      delete: {
        operationId: 'deleteFile',
        summary: 'Delete a file of the caller’s.',
        tags: ['openai'],
        parameters: [fileId],
        responses: { '200': json('FileDeleted', 'Deleted.'), ...openAIErrors() },
      },
    },
    '/v1/files/{file_id}/content': {
      get: {
        operationId: 'getFileContent',
        summary: 'A file’s content: JSONL, in input order for a batch job’s output and error files.',
        tags: ['openai'],
        parameters: [fileId],
        responses: {
          '200': { description: 'The JSONL text.', content: { 'application/jsonl': { schema: { type: 'string' } } } },
          ...openAIErrors(),
        },
      },
    },
    '/v1/batches': {
      post: {
        operationId: 'createBatch',
        summary: 'Start a batch job on the provider’s Batch API: an uploaded file, or the requests in the body.',
        tags: ['openai'],
        requestBody: body('BatchRequest', 'OpenAI’s batch request, or `requests` in place of `input_file_id`.'),
        responses: { '200': json('Batch', 'The batch, started.'), ...openAIErrors() },
      },
    },
    '/v1/batches/{batch_id}': {
      get: {
        operationId: 'getBatch',
        summary: 'A batch: status, counts of done and failed requests, cost so far; output files once it ends.',
        tags: ['openai'],
        parameters: [batchId],
        responses: { '200': json('Batch', 'The batch.'), ...openAIErrors() },
      },
    },
    '/v1/batches/{batch_id}/cancel': {
      post: {
        operationId: 'cancelBatch',
        summary: 'Cancel a batch: the provider stops it; what it answered before is collected and charged.',
        tags: ['openai'],
        parameters: [batchId],
        responses: { '200': json('Batch', 'The batch, cancelling.'), ...openAIErrors() },
      },
    },
  };
}
