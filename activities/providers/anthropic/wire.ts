/** Anthropic's Messages API wire format: the request body the adapter sends and the normalisation of the answer. */

import { randomUUID } from 'node:crypto';
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatCompletion, ChatRequest, FinishReason } from '../../../src/contract/chat';
import { malformedResponse } from '../classify-error';
import { toConversation } from '../conversation-turns';
import { isRecord, numberField, stringField } from '../json-fields';
import { outputLimitOf } from '../output-limit';

/** A Messages API request body, as the `@anthropic-ai/sdk` types it. */
export type AnthropicMessagesRequest = Anthropic.MessageCreateParamsNonStreaming;

/**
 * Translates the normalised request into a Messages API request: system and developer messages become the
 * top-level `system`, consecutive same-role messages are merged (Anthropic needs strict alternation) with
 * each original text kept as its own text block, and `stop` becomes `stop_sequences`. Anthropic requires
 * `max_tokens`; `defaultMaxTokens` stands in when the request has none, as it does for every provider.
 */
export function toAnthropicRequest(
  model: string,
  request: ChatRequest,
  defaultMaxTokens?: number,
): AnthropicMessagesRequest {
  const { system, turns } = toConversation(request.messages);
  return {
    model,
    max_tokens: outputLimitOf(request, defaultMaxTokens),
    ...(system !== undefined && { system }),
    messages: turns.map(({ role, texts }): Anthropic.MessageParam => ({
      role,
      content: texts.length === 1 ? (texts[0] ?? '') : texts.map((text) => ({ type: 'text', text })),
    })),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.top_p !== undefined && { top_p: request.top_p }),
    ...(request.stop !== undefined && request.stop.length > 0 && { stop_sequences: request.stop }),
    // OpenAI's `user` and Anthropic's `metadata.user_id` serve the same purpose: abuse tracking per end user.
    ...(request.user !== undefined && { metadata: { user_id: request.user } }),
  };
}

/**
 * Normalises a Messages API response to an OpenAI-shaped completion. Anthropic has no creation time, so
 * `created` is when the answer arrived.
 */
export function fromAnthropicMessage(raw: unknown, requestedModel: string): ChatCompletion {
  if (!isRecord(raw) || !Array.isArray(raw['content'])) throw malformedResponse('the message has no content array');
  const texts = (raw['content'] as unknown[])
    .filter((block) => stringField(block, 'type') === 'text')
    .map((block) => stringField(block, 'text') ?? '');
  const usage = raw['usage'];
  // Cache writes and reads are input the model processed and we were billed for; OpenAI's prompt_tokens
  // likewise includes cached tokens.
  const promptTokens =
    (numberField(usage, 'input_tokens') ?? 0) +
    (numberField(usage, 'cache_creation_input_tokens') ?? 0) +
    (numberField(usage, 'cache_read_input_tokens') ?? 0);
  const completionTokens = numberField(usage, 'output_tokens') ?? 0;
  return {
    id: stringField(raw, 'id') ?? `msg_${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: stringField(raw, 'model') ?? requestedModel,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: texts.length > 0 ? texts.join('') : null, refusal: null },
        finish_reason: toFinishReason(stringField(raw, 'stop_reason')),
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
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
