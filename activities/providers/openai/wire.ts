/**
 * OpenAI's Chat Completions wire format, shared by `openai` and `openai-compatible`: the request body the
 * adapter sends and the normalisation of the answer.
 */

import { randomUUID } from 'node:crypto';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatCompletion, ChatMessage, ChatRequest, FinishReason } from '../../../src/contract/chat';
import { malformedResponse } from '../classify-error';
import { isRecord, numberField, stringField } from '../json-fields';
import { outputLimitOf } from '../output-limit';

/** The two provider types served by the OpenAI wire format. */
export type OpenAIWireType = 'openai' | 'openai-compatible';

/** A Chat Completions request body, as the `openai` SDK types it. */
export type OpenAIChatRequest = ChatCompletionCreateParamsNonStreaming;

/**
 * Translates the normalised request into a Chat Completions request body for `type`. The output limit is
 * always sent (`defaultMaxTokens` when the request has none), so the answer stays within what was reserved.
 */
export function toOpenAIRequest(
  type: OpenAIWireType,
  model: string,
  request: ChatRequest,
  defaultMaxTokens?: number,
): OpenAIChatRequest {
  const maxTokens = outputLimitOf(request, defaultMaxTokens);
  return {
    model,
    messages: request.messages.map((message) => toOpenAIMessage(type, message)),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.top_p !== undefined && { top_p: request.top_p }),
    // OpenAI's reasoning models (o-series, gpt-5) reject the deprecated `max_tokens`; compatible servers
    // mostly know only `max_tokens`.
    ...(type === 'openai' ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens }),
    ...(request.stop !== undefined && request.stop.length > 0 && { stop: request.stop }),
    ...(request.seed !== undefined && { seed: request.seed }),
    ...(request.user !== undefined && { user: request.user }),
  };
}

function toOpenAIMessage(type: OpenAIWireType, message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'developer':
      // The `developer` role is OpenAI's; the chat templates of vLLM, Ollama and friends only know `system`.
      return type === 'openai' ? { ...message, role: 'developer' } : { ...message, role: 'system' };
    case 'system':
    case 'user':
    case 'tool':
      return message;
    case 'assistant':
      return { ...message, content: message.content ?? null };
  }
}

/**
 * Normalises a Chat Completions response. The body is checked rather than trusted: compatible servers
 * omit fields OpenAI always sends (usage, created, refusal), and a body without choices is not an answer.
 */
export function toChatCompletion(raw: unknown, requestedModel: string): ChatCompletion {
  if (!isRecord(raw) || !Array.isArray(raw['choices'])) {
    throw malformedResponse('the chat completion has no choices array');
  }
  const choices = (raw['choices'] as unknown[]).map((choice, position) => {
    if (!isRecord(choice) || !isRecord(choice['message'])) throw malformedResponse(`choice ${position} has no message`);
    const message = choice['message'];
    // Fields Switchyard does not model (annotations, service tier, token details…) are kept, so callers
    // get the provider's completion unchanged.
    return {
      ...choice,
      index: numberField(choice, 'index') ?? position,
      message: {
        ...message,
        role: 'assistant' as const,
        content: stringField(message, 'content') ?? null,
        refusal: stringField(message, 'refusal') ?? null,
      },
      finish_reason: toFinishReason(stringField(choice, 'finish_reason')),
      logprobs: null,
    };
  });
  const usage = raw['usage'];
  const promptTokens = numberField(usage, 'prompt_tokens') ?? 0;
  const completionTokens = numberField(usage, 'completion_tokens') ?? 0;
  const fingerprint = raw['system_fingerprint'];
  return {
    ...raw,
    id: stringField(raw, 'id') ?? `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: numberField(raw, 'created') ?? Math.floor(Date.now() / 1000),
    model: stringField(raw, 'model') ?? requestedModel,
    choices,
    usage: {
      ...(isRecord(usage) ? usage : {}),
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: numberField(usage, 'total_tokens') ?? promptTokens + completionTokens,
    },
    ...((typeof fingerprint === 'string' || fingerprint === null) && { system_fingerprint: fingerprint }),
  };
}

function toFinishReason(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'length':
    case 'content_filter':
    case 'tool_calls':
      return reason;
    case 'function_call':
      // The legacy name for a tool call.
      return 'tool_calls';
    default:
      // `stop`, or a compatible server's null / non-standard reason for a normal end.
      return 'stop';
  }
}
