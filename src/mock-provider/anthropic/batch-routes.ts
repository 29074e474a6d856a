/**
 * Anthropic's Message Batches API, under `/anthropic/v1/messages/batches`, so the official SDK's
 * `messages.batches.*` works against the mock unchanged.
 */

import { batchTimeline } from '../batch-clock';
import { isJsonObject, parseJson } from '../json';
import { type WireReply } from '../provider';
import { type MockResource, type ResourceReply, type ResourceRequest, resourceTable } from '../resource';
import { AnthropicMessageBatch, type MessageBatchRequest } from './message-batch';
import { anthropicWire } from './wire';

/** Most requests one batch may hold, as the real API allows. */
const MAX_BATCH_REQUESTS = 100_000;
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const DEFAULT_LIST_LIMIT = 20;
const MAX_LIST_LIMIT = 1000;

/** The `requests` of a create call, or the message of the 400 the real API answers a bad one with. */
function readRequests(body: unknown): MessageBatchRequest[] | string {
  if (!isJsonObject(body)) return 'The request body could not be parsed as a JSON object.';
  const { requests } = body;
  if (!Array.isArray(requests)) return 'requests: Field required';
  if (requests.length === 0) return 'requests: List should have at least 1 item after validation, not 0';
  if (requests.length > MAX_BATCH_REQUESTS) {
    return `requests: List should have at most ${MAX_BATCH_REQUESTS} items after validation, not ${requests.length}`;
  }
  const seen = new Set<string>();
  const read: MessageBatchRequest[] = [];
  for (const [index, request] of requests.entries()) {
    if (!isJsonObject(request)) return `requests.${index}: Input should be a valid dictionary`;
    const { custom_id: customId, params } = request;
    if (typeof customId !== 'string') return `requests.${index}.custom_id: Field required`;
    if (!CUSTOM_ID.test(customId))
      return `requests.${index}.custom_id: String should match pattern '${CUSTOM_ID.source}'`;
    if (seen.has(customId))
      return `requests.${index}.custom_id: custom_id '${customId}' is not unique within the batch`;
    seen.add(customId);
    // What is inside params is checked when the item is answered, as the real API validates it asynchronously:
    // a bad one makes only that item error.
    if (!isJsonObject(params)) return `requests.${index}.params: Field required`;
    read.push({ customId, params });
  }
  return read;
}

function createBatch({ state, ctx, body, apiKey, origin, now }: ResourceRequest): ResourceReply {
  const requests = readRequests(parseJson(body));
  if (typeof requests === 'string') return anthropicWire.badRequest(ctx, requests);
  const { batchCompletionMs, batchExpiryMs } = state.behavior;
  const batch = new AnthropicMessageBatch({
    id: `msgbatch_mock${ctx.sequence.toString(16).padStart(16, '0')}`,
    apiKey,
    requests,
    timeline: batchTimeline('anthropic', now, requests.length, batchCompletionMs, batchExpiryMs),
  });
  if (!state.batches.anthropic.add(batch.id, batch)) {
    const message = `This mock holds ${state.batches.anthropic.capacity} message batches that have not ended.`;
    return {
      status: 429,
      body: { type: 'error', error: { type: 'rate_limit_error', message }, request_id: ctx.requestId },
    };
  }
  return { status: 200, body: batch.toObject(state, origin, now) };
}

function batchOf({ state, ctx, id }: ResourceRequest): AnthropicMessageBatch | WireReply {
  const batch = id === undefined ? undefined : state.batches.anthropic.get(id);
  return batch ?? anthropicWire.errorStatus(ctx, 404);
}

function retrieveBatch(request: ResourceRequest): ResourceReply {
  const batch = batchOf(request);
  if (!(batch instanceof AnthropicMessageBatch)) return batch;
  return { status: 200, body: batch.toObject(request.state, request.origin, request.now) };
}

function batchResults(request: ResourceRequest): ResourceReply {
  const batch = batchOf(request);
  if (!(batch instanceof AnthropicMessageBatch)) return batch;
  const results = batch.results(request.state, request.now);
  if (results === undefined) {
    return anthropicWire.badRequest(
      request.ctx,
      `Message batch ${batch.id} is still processing; its results are available once it has ended.`,
    );
  }
  return { status: 200, raw: results, contentType: 'application/x-jsonl' };
}

function cancelBatch(request: ResourceRequest): ResourceReply {
  const batch = batchOf(request);
  if (!(batch instanceof AnthropicMessageBatch)) return batch;
  const { state, now, origin, ctx } = request;
  if (!batch.cancel(state, now)) {
    return anthropicWire.badRequest(ctx, `Message batch ${batch.id} has already ended and cannot be canceled.`);
  }
  return { status: 200, body: batch.toObject(state, origin, now) };
}

/** `GET /v1/messages/batches`: newest first, paged with `after_id` / `before_id` and `limit`. */
function listBatches({ state, ctx, query, origin, now }: ResourceRequest): ResourceReply {
  const limit = Number(query.get('limit') ?? DEFAULT_LIST_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    return anthropicWire.badRequest(ctx, `limit: Input should be between 1 and ${MAX_LIST_LIMIT}`);
  }
  const newestFirst = [...state.batches.anthropic.values()].reverse();
  const afterId = query.get('after_id');
  const beforeId = query.get('before_id');
  let start = 0;
  let end = newestFirst.length;
  if (afterId !== null) start = newestFirst.findIndex((batch) => batch.id === afterId) + 1;
  if (beforeId !== null) {
    end = Math.max(
      0,
      newestFirst.findIndex((batch) => batch.id === beforeId),
    );
    start = Math.max(0, end - limit);
  }
  const page = newestFirst.slice(start, Math.min(end, start + limit));
  return {
    status: 200,
    body: {
      data: page.map((batch) => batch.toObject(state, origin, now)),
      has_more: beforeId === null ? start + limit < end : start > 0,
      first_id: page[0]?.id ?? null,
      last_id: page[page.length - 1]?.id ?? null,
    },
  };
}

const resource = (id: MockResource['id'], handle: MockResource['handle']): MockResource => ({
  id,
  wire: anthropicWire,
  handle,
});

/** The Message Batches API's routes. */
export const anthropicBatchRoutes = resourceTable([
  ['POST /anthropic/v1/messages/batches', resource('anthropic.batches.create', createBatch)],
  ['GET /anthropic/v1/messages/batches', resource('anthropic.batches.read', listBatches)],
  ['GET /anthropic/v1/messages/batches/:id', resource('anthropic.batches.read', retrieveBatch)],
  ['GET /anthropic/v1/messages/batches/:id/results', resource('anthropic.batches.read', batchResults)],
  ['POST /anthropic/v1/messages/batches/:id/cancel', resource('anthropic.batches.cancel', cancelBatch)],
]);
