/**
 * OpenAI's Files API (what a batch's input and output travel in) and Batch API, under `/openai/v1`, so the
 * official SDK's `files.*` and `batches.*` work against the mock unchanged.
 */

import { batchTimeline } from '../batch-clock';
import { isJsonObject, type JsonObject, parseJson } from '../json';
import { type WireReply } from '../provider';
import { type MockResource, type ResourceReply, type ResourceRequest, resourceTable } from '../resource';
import { readBatchInput } from './batch-input';
import { BATCH_ENDPOINTS, OpenAIBatchJob } from './batch-job';
import { fileObject, UPLOAD_PURPOSES } from './files';
import { readFileUpload } from '../../codec/multipart-upload';
import { openaiWire } from './wire';

const MAX_METADATA_KEYS = 16;
const MAX_METADATA_KEY_CHARS = 64;
const MAX_METADATA_VALUE_CHARS = 512;
const DEFAULT_LIST_LIMIT = 20;
const MAX_LIST_LIMIT = 100;

/** OpenAI's error envelope, for the errors that name a parameter or are not 400s. */
function openaiError(
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
): WireReply {
  return { status, body: { error: { message, type: 'invalid_request_error', param, code } } };
}

/** The request's JSON object, or OpenAI's 400 for a body that is not one. */
function jsonBody(request: ResourceRequest): { ok: true; json: JsonObject } | { ok: false; reply: WireReply } {
  const json = parseJson(request.body);
  if (isJsonObject(json)) return { ok: true, json };
  return {
    ok: false,
    reply: openaiWire.badRequest(request.ctx, 'The request body could not be parsed as a JSON object.'),
  };
}

async function createFile(request: ResourceRequest): Promise<ResourceReply> {
  const { state, ctx } = request;
  const upload = await readFileUpload(request.headers['content-type'], request.body);
  if (upload === undefined) {
    return openaiWire.badRequest(ctx, "The body must be multipart/form-data with a 'file' and a 'purpose'.");
  }
  const purpose = upload.fields.get('purpose');
  if (purpose === undefined) return openaiError(400, "Missing required parameter: 'purpose'.", 'purpose');
  if (!UPLOAD_PURPOSES.has(purpose)) {
    return openaiError(
      400,
      `Invalid value for 'purpose': expected one of ${[...UPLOAD_PURPOSES].join(', ')}.`,
      'purpose',
    );
  }
  if (upload.file === undefined) return openaiError(400, "Missing required parameter: 'file'.", 'file');
  const { filename, content } = upload.file;
  if (purpose === 'batch' && !filename.endsWith('.jsonl')) {
    return openaiError(400, 'Invalid file format for Batch API. Must be .jsonl', 'file');
  }
  const file = state.batches.openaiFiles.add(ctx.sequence, filename, purpose, content, request.now);
  return { status: 200, body: fileObject(file) };
}

function fileNotFound(id: string | undefined): WireReply {
  return openaiError(404, `No such File object: ${id ?? ''}`, 'id');
}

function retrieveFile({ state, id }: ResourceRequest): ResourceReply {
  const file = id === undefined ? undefined : state.batches.openaiFiles.get(id);
  return file === undefined ? fileNotFound(id) : { status: 200, body: fileObject(file) };
}

function fileContent({ state, id }: ResourceRequest): ResourceReply {
  const file = id === undefined ? undefined : state.batches.openaiFiles.get(id);
  if (file === undefined) return fileNotFound(id);
  return { status: 200, raw: file.content, contentType: 'application/octet-stream' };
}

function deleteFile({ state, id }: ResourceRequest): ResourceReply {
  if (id === undefined || !state.batches.openaiFiles.delete(id)) return fileNotFound(id);
  return { status: 200, body: { id, object: 'file', deleted: true } };
}

/** `metadata` as the real API accepts it: up to 16 string pairs, keys up to 64 and values up to 512 characters. */
function readMetadata(value: unknown): Record<string, string> | null | string {
  if (value === undefined || value === null) return null;
  const problem = `Invalid 'metadata': expected an object of at most ${MAX_METADATA_KEYS} string values (keys up to ${MAX_METADATA_KEY_CHARS} and values up to ${MAX_METADATA_VALUE_CHARS} characters).`;
  if (!isJsonObject(value)) return problem;
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_KEYS) return problem;
  const metadata: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (typeof item !== 'string' || key.length > MAX_METADATA_KEY_CHARS || item.length > MAX_METADATA_VALUE_CHARS) {
      return problem;
    }
    metadata[key] = item;
  }
  return metadata;
}

function createBatch(request: ResourceRequest): ResourceReply {
  const { state, ctx, now } = request;
  const read = jsonBody(request);
  if (!read.ok) return read.reply;
  const body = read.json;
  const { input_file_id: inputFileId, endpoint, completion_window: window } = body;
  if (typeof inputFileId !== 'string') {
    return openaiError(400, "Missing required parameter: 'input_file_id'.", 'input_file_id');
  }
  if (typeof endpoint !== 'string' || !BATCH_ENDPOINTS.has(endpoint)) {
    return openaiError(
      400,
      `Invalid value for 'endpoint': the mock runs batches for ${[...BATCH_ENDPOINTS.keys()].join(' and ')}.`,
      'endpoint',
    );
  }
  if (window !== '24h') {
    return openaiError(400, "Invalid value for 'completion_window': only '24h' is supported.", 'completion_window');
  }
  const metadata = readMetadata(body.metadata);
  if (typeof metadata === 'string') return openaiError(400, metadata, 'metadata');
  const file = state.batches.openaiFiles.get(inputFileId);
  if (file === undefined)
    return openaiError(400, `Invalid 'input_file_id': no file with id '${inputFileId}'.`, 'input_file_id');
  if (file.purpose !== 'batch') {
    return openaiError(
      400,
      `Invalid 'input_file_id': the file's purpose is '${file.purpose}', not 'batch'.`,
      'input_file_id',
    );
  }

  const input = readBatchInput(file.content, endpoint);
  const { batchCompletionMs, batchExpiryMs } = state.behavior;
  const total = input.ok ? input.lines.length : 0;
  const job = new OpenAIBatchJob({
    id: `batch_mock${ctx.sequence.toString(16).padStart(16, '0')}`,
    endpoint,
    inputFileId,
    metadata,
    apiKey: request.apiKey,
    input,
    timeline: batchTimeline('openai', now, total, batchCompletionMs, batchExpiryMs),
  });
  if (!state.batches.openai.add(job.id, job)) {
    return openaiError(
      429,
      `Enqueued batch limit reached: this mock holds ${state.batches.openai.capacity} batches that have not ended.`,
      null,
      'batch_limit_exceeded',
    );
  }
  return { status: 200, body: job.toObject(state, state.batches.openaiFiles, now) };
}

function batchOf({ state, id }: ResourceRequest): OpenAIBatchJob | WireReply {
  const batch = id === undefined ? undefined : state.batches.openai.get(id);
  return batch ?? openaiError(404, `No batch found with id '${id ?? ''}'.`, 'batch_id');
}

function retrieveBatch(request: ResourceRequest): ResourceReply {
  const batch = batchOf(request);
  if (!(batch instanceof OpenAIBatchJob)) return batch;
  const { state, now } = request;
  return { status: 200, body: batch.toObject(state, state.batches.openaiFiles, now) };
}

function cancelBatch(request: ResourceRequest): ResourceReply {
  const batch = batchOf(request);
  if (!(batch instanceof OpenAIBatchJob)) return batch;
  const { state, now } = request;
  if (!batch.cancel(state, now)) {
    return openaiError(400, `Cannot cancel a batch with status '${batch.status(now)}'.`, null, 'batch_not_cancellable');
  }
  return { status: 200, body: batch.toObject(state, state.batches.openaiFiles, now) };
}

/** `GET /batches`: newest first, paged with `after` and `limit` as the real cursor page. */
function listBatches({ state, query, now }: ResourceRequest): ResourceReply {
  const limit = Number(query.get('limit') ?? DEFAULT_LIST_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    return openaiError(400, `Invalid 'limit': expected an integer from 1 to ${MAX_LIST_LIMIT}.`, 'limit');
  }
  const newestFirst = [...state.batches.openai.values()].reverse();
  const after = query.get('after');
  const start = after === null ? 0 : newestFirst.findIndex((batch) => batch.id === after) + 1;
  const page = newestFirst.slice(start, start + limit);
  return {
    status: 200,
    body: {
      object: 'list',
      data: page.map((batch) => batch.toObject(state, state.batches.openaiFiles, now)),
      first_id: page[0]?.id ?? null,
      last_id: page[page.length - 1]?.id ?? null,
      has_more: start + limit < newestFirst.length,
    },
  };
}

const resource = (id: MockResource['id'], handle: MockResource['handle']): MockResource => ({
  id,
  wire: openaiWire,
  handle,
});

/** The Files and Batch APIs' routes. */
export const openaiBatchRoutes = resourceTable([
  ['POST /openai/v1/files', resource('openai.files', createFile)],
  ['GET /openai/v1/files/:id', resource('openai.files', retrieveFile)],
  ['DELETE /openai/v1/files/:id', resource('openai.files', deleteFile)],
  ['GET /openai/v1/files/:id/content', resource('openai.files', fileContent)],
  ['POST /openai/v1/batches', resource('openai.batches.create', createBatch)],
  ['GET /openai/v1/batches', resource('openai.batches.read', listBatches)],
  ['GET /openai/v1/batches/:id', resource('openai.batches.read', retrieveBatch)],
  ['POST /openai/v1/batches/:id/cancel', resource('openai.batches.cancel', cancelBatch)],
]);
