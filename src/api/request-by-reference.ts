import { createHash } from 'node:crypto';
import { textOf, type ChatRequest } from '../contract/chat';
import type { RequestRef } from '../contract/job';
import type { ResponseCacheStore } from '../stores/cache/contract';

/**
 * Requests up to this size (as JSON) travel in the workflow's input; larger ones are stored once and passed
 * by reference. Every provider-call schedule, flight start and retry repeats the workflow's copy in history,
 * so an inline request of this size costs a few hundred KiB of history at most, far from Temporal's 2 MB
 * payload and 50 MB history limits.
 */
export const INLINE_REQUEST_BYTES = 64 * 1024;

/** How much of the last user message a stored request keeps inline, for rule-based fallbacks to match. */
export const RULE_EXCERPT_CHARS = 4_096;

/** How long a stored request is kept: as long as the ledger keeps its reservation, so it can be replayed. */
export const STORED_REQUEST_SECONDS = 40 * 86_400;

/** What the workflow input carries for a request: the request itself, or an excerpt and a reference. */
export interface WorkflowRequest {
  request: ChatRequest;
  requestRef?: RequestRef;
}

/**
 * Keeps a large request out of workflow history: stores it under a key derived from its content (so a
 * resubmitted request is stored once) and returns the excerpt the workflow keeps in its place. Small requests
 * are returned as they are.
 */
export async function toWorkflowRequest(
  requests: ResponseCacheStore<ChatRequest>,
  request: ChatRequest,
): Promise<WorkflowRequest> {
  const json = JSON.stringify(request);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= INLINE_REQUEST_BYTES) return { request };
  const key = `request:${createHash('sha256').update(json).digest('hex')}`;
  await requests.set(key, request, STORED_REQUEST_SECONDS, 0);
  return { request: excerptOf(request), requestRef: { key, bytes } };
}

/** The full request behind a workflow input, for a replay; null when it is no longer stored. */
export async function fromWorkflowRequest(
  requests: ResponseCacheStore<ChatRequest>,
  input: WorkflowRequest,
): Promise<ChatRequest | null> {
  if (!input.requestRef) return input.request;
  return (await requests.get(input.requestRef.key))?.value ?? null;
}

/**
 * The request's parameters with only the start of its last user message: all a workflow itself reads. Tool
 * definitions, the response schema and the logit bias can be as large as the messages, so they stay in the
 * stored request with them; activities read that.
 */
function excerptOf(request: ChatRequest): ChatRequest {
  const { tools: _tools, response_format: _format, logit_bias: _bias, ...parameters } = request;
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  const text = last ? textOf(last.content).slice(0, RULE_EXCERPT_CHARS) : '';
  return { ...parameters, messages: [{ role: 'user', content: text }] };
}
