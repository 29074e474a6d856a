/** Anthropic's Messages API wire format: the request body the adapter sends and the normalisation of the answer. */

import { randomUUID } from 'node:crypto';
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatChoice, ChatCompletion, ChatRequest, ChatToolCall, FinishReason } from '../../../src/contract/chat';
import { malformedResponse } from '../classify-error';
import { isRecord, numberField, stringField } from '../json-fields';
import { outputLimitOf } from '../output-limit';
import { toAnthropicConversation } from './messages';
import { toAnthropicToolFields } from './tools';

/** A Messages API request body, as the `@anthropic-ai/sdk` types it. */
export type AnthropicMessagesRequest = Anthropic.MessageCreateParamsNonStreaming;

/** What `refusal` says when Anthropic stopped with `refusal` and no text of its own. */
const DEFAULT_REFUSAL = 'The model declined to answer.';

/**
 * Translates the normalised request into a Messages API request: system and developer messages become the
 * top-level `system`, content parts, tool calls and tool results become blocks (see `messages.ts`), tools and
 * JSON response formats become Anthropic tools (see `tools.ts`), and `stop` becomes `stop_sequences`.
 * Anthropic requires `max_tokens`; `defaultMaxTokens` stands in when the request has none, as it does for
 * every provider.
 */
export function toAnthropicRequest(
  model: string,
  request: ChatRequest,
  defaultMaxTokens?: number,
): AnthropicMessagesRequest {
  const { system, messages } = toAnthropicConversation(request.messages);
  return {
    model,
    max_tokens: outputLimitOf(request, defaultMaxTokens),
    ...(system !== undefined && { system }),
    messages,
    ...toAnthropicToolFields(request),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.top_p !== undefined && { top_p: request.top_p }),
    ...(request.stop !== undefined && request.stop.length > 0 && { stop_sequences: request.stop }),
    // OpenAI's `user` and Anthropic's `metadata.user_id` serve the same purpose: abuse tracking per end user.
    ...(request.user !== undefined && { metadata: { user_id: request.user } }),
  };
}

/**
 * Normalises a Messages API response to an OpenAI-shaped completion. Text blocks become the content and
 * `tool_use` blocks the tool calls, their `toolu_…` ids kept so the next turn's tool results find them.
 * When `structuredTool` names the tool a JSON response format was forced through, its call is the answer:
 * its input becomes the JSON content and the completion stops normally. Anthropic has no creation time,
 * so `created` is when the answer arrived.
 */
export function fromAnthropicMessage(raw: unknown, requestedModel: string, structuredTool?: string): ChatCompletion {
  if (!isRecord(raw) || !Array.isArray(raw['content'])) throw malformedResponse('the message has no content array');
  const blocks = raw['content'] as unknown[];
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  let structured: string | undefined;
  for (const block of blocks) {
    const type = stringField(block, 'type');
    if (type === 'text') texts.push(stringField(block, 'text') ?? '');
    if (type !== 'tool_use' || !isRecord(block)) continue;
    const id = stringField(block, 'id');
    const name = stringField(block, 'name');
    if (id === undefined || name === undefined) throw malformedResponse('a tool_use block has no id or name');
    const input = JSON.stringify(block['input'] ?? {});
    if (structuredTool !== undefined && name === structuredTool) structured = input;
    else toolCalls.push({ id, type: 'function', function: { name, arguments: input } });
  }
  const stopReason = stringField(raw, 'stop_reason');
  const text = texts.length > 0 ? texts.join('') : null;
  let message: ChatChoice['message'];
  let finishReason = toFinishReason(stopReason);
  if (structured !== undefined) {
    // The forced call is the answer, not a request to run a tool: the caller sees JSON content.
    message = { role: 'assistant', content: structured, refusal: null };
    if (finishReason === 'tool_calls') finishReason = 'stop';
  } else if (stopReason === 'refusal') {
    message = { role: 'assistant', content: null, refusal: text ?? DEFAULT_REFUSAL };
  } else {
    message = {
      role: 'assistant',
      content: text,
      refusal: null,
      ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
    };
  }
  return {
    id: stringField(raw, 'id') ?? `msg_${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: stringField(raw, 'model') ?? requestedModel,
    choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
    usage: toUsage(raw['usage']),
  };
}

function toUsage(usage: unknown): ChatCompletion['usage'] {
  const cacheRead = numberField(usage, 'cache_read_input_tokens') ?? 0;
  // Cache writes and reads are input the model processed and we were billed for; OpenAI's prompt_tokens
  // likewise includes cached tokens, and reports the cache reads among them as cached_tokens.
  const promptTokens =
    (numberField(usage, 'input_tokens') ?? 0) + (numberField(usage, 'cache_creation_input_tokens') ?? 0) + cacheRead;
  const completionTokens = numberField(usage, 'output_tokens') ?? 0;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

function toFinishReason(stopReason: string | undefined): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    case 'tool_use':
      return 'tool_calls';
    default:
      // end_turn, stop_sequence, pause_turn: the model stopped of its own accord.
      return 'stop';
  }
}
