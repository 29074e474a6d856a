/**
 * OpenAI's Chat Completions wire format, shared by `openai` and `openai-compatible`: the request body the
 * adapter sends and the normalisation of the answer.
 */

import { randomUUID } from 'node:crypto';
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type {
  ChatChoice,
  ChatChoiceLogprobs,
  ChatCompletion,
  ChatMessage,
  ChatRequest,
  ChatTokenLogprob,
  ChatToolCall,
  ChatUsage,
  ChatUserPart,
  FinishReason,
} from '../../../src/contract/chat';
import { malformedResponse } from '../classify-error';
import { isRecord, numberField, stringField } from '../json-fields';
import { outputLimitOf } from '../output-limit';

/** The two provider types served by the OpenAI wire format. */
export type OpenAIWireType = 'openai' | 'openai-compatible';

/** A Chat Completions request body, as the `openai` SDK types it. */
export type OpenAIChatRequest = ChatCompletionCreateParamsNonStreaming;

/**
 * Translates the normalised request into a Chat Completions request body for `type`. Every field of the
 * request is sent as the caller gave it: the request already has OpenAI's shape, and which fields a target
 * can honour is decided before the call (a target that cannot is skipped), so nothing is dropped here.
 * The output limit is always sent (`defaultMaxTokens` when the request has none), so the answer stays
 * within what was reserved.
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
    ...(request.n !== undefined && { n: request.n }),
    ...(request.presence_penalty !== undefined && { presence_penalty: request.presence_penalty }),
    ...(request.frequency_penalty !== undefined && { frequency_penalty: request.frequency_penalty }),
    ...(request.logit_bias !== undefined && { logit_bias: request.logit_bias }),
    ...(request.logprobs !== undefined && { logprobs: request.logprobs }),
    ...(request.top_logprobs !== undefined && { top_logprobs: request.top_logprobs }),
    ...(request.tools !== undefined && {
      tools: request.tools.map((tool) => ({ ...tool, function: { ...tool.function } })),
    }),
    ...(request.tool_choice !== undefined && { tool_choice: request.tool_choice }),
    ...(request.parallel_tool_calls !== undefined && { parallel_tool_calls: request.parallel_tool_calls }),
    ...(request.response_format !== undefined && { response_format: toOpenAIResponseFormat(request) }),
    ...(request.reasoning_effort !== undefined && { reasoning_effort: request.reasoning_effort }),
    ...(request.service_tier !== undefined && { service_tier: request.service_tier }),
    ...(request.store !== undefined && { store: request.store }),
    ...(request.metadata !== undefined && { metadata: request.metadata }),
  };
}

function toOpenAIResponseFormat(request: ChatRequest): OpenAIChatRequest['response_format'] {
  const format = request.response_format;
  if (format?.type !== 'json_schema') return format;
  return { type: 'json_schema', json_schema: { ...format.json_schema } };
}

function toOpenAIMessage(type: OpenAIWireType, message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'developer':
      // The `developer` role is OpenAI's; the chat templates of vLLM, Ollama and friends only know `system`.
      return {
        role: type === 'openai' ? 'developer' : 'system',
        content: message.content,
        ...(message.name !== undefined && { name: message.name }),
      };
    case 'system':
      return { role: 'system', content: message.content, ...(message.name !== undefined && { name: message.name }) };
    case 'user':
      return {
        role: 'user',
        content: typeof message.content === 'string' ? message.content : message.content.map(toOpenAIUserPart),
        ...(message.name !== undefined && { name: message.name }),
      };
    case 'tool':
      return { role: 'tool', content: message.content, tool_call_id: message.tool_call_id };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content ?? null,
        ...(message.name !== undefined && { name: message.name }),
        ...(message.refusal !== undefined && { refusal: message.refusal }),
        ...(message.tool_calls !== undefined &&
          message.tool_calls.length > 0 && {
            tool_calls: message.tool_calls.map((call) => ({
              id: call.id,
              type: 'function' as const,
              function: { name: call.function.name, arguments: call.function.arguments },
            })),
          }),
      };
  }
}

function toOpenAIUserPart(part: ChatUserPart): ChatCompletionContentPart {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image_url':
      return { type: 'image_url', image_url: { ...part.image_url } };
    case 'input_audio':
      return { type: 'input_audio', input_audio: { ...part.input_audio } };
    case 'file':
      return { type: 'file', file: { ...part.file } };
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
  const choices = (raw['choices'] as unknown[]).map(toChatChoice);
  const usage = raw['usage'];
  const fingerprint = raw['system_fingerprint'];
  const serviceTier = raw['service_tier'];
  return {
    ...raw,
    id: stringField(raw, 'id') ?? `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: numberField(raw, 'created') ?? Math.floor(Date.now() / 1000),
    model: stringField(raw, 'model') ?? requestedModel,
    choices,
    usage: toChatUsage(usage),
    ...((typeof fingerprint === 'string' || fingerprint === null) && { system_fingerprint: fingerprint }),
    ...((typeof serviceTier === 'string' || serviceTier === null) && { service_tier: serviceTier }),
  };
}

function toChatChoice(choice: unknown, position: number): ChatChoice {
  if (!isRecord(choice) || !isRecord(choice['message'])) throw malformedResponse(`choice ${position} has no message`);
  const { tool_calls: rawCalls, ...message } = choice['message'];
  const toolCalls = toToolCalls(rawCalls, position);
  // Fields Switchyard does not model (annotations, audio…) are kept, so callers get the provider's
  // completion unchanged.
  return {
    ...choice,
    index: numberField(choice, 'index') ?? position,
    message: {
      ...message,
      role: 'assistant',
      content: stringField(message, 'content') ?? null,
      refusal: stringField(message, 'refusal') ?? null,
      ...(toolCalls !== undefined && { tool_calls: toolCalls }),
    },
    finish_reason: toFinishReason(stringField(choice, 'finish_reason')),
    logprobs: toChoiceLogprobs(choice['logprobs']),
  };
}

/**
 * The function calls of a message, or undefined when it has none. Calls of other kinds (OpenAI's custom
 * tools) are left out: the normalised surface offers function tools only, so no caller asked for them.
 */
function toToolCalls(raw: unknown, position: number): ChatToolCall[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw malformedResponse(`choice ${position} has a tool_calls field that is not an array`);
  const calls: ChatToolCall[] = [];
  for (const [index, call] of (raw as unknown[]).entries()) {
    if (isRecord(call) && call['type'] !== undefined && call['type'] !== 'function') continue;
    const id = stringField(call, 'id');
    const fn = isRecord(call) ? call['function'] : undefined;
    const name = stringField(fn, 'name');
    const args = stringField(fn, 'arguments');
    if (id === undefined || name === undefined || args === undefined) {
      throw malformedResponse(`tool call ${index} of choice ${position} lacks an id, a function name or arguments`);
    }
    calls.push({ id, type: 'function', function: { name, arguments: args } });
  }
  return calls.length > 0 ? calls : undefined;
}

function toChoiceLogprobs(raw: unknown): ChatChoiceLogprobs | null {
  if (!isRecord(raw)) return null;
  return { content: toTokenLogprobs(raw['content']), refusal: toTokenLogprobs(raw['refusal']) };
}

function toTokenLogprobs(raw: unknown): ChatTokenLogprob[] | null {
  if (!Array.isArray(raw)) return null;
  return (raw as unknown[]).flatMap((entry) => {
    const token = stringField(entry, 'token');
    const logprob = numberField(entry, 'logprob');
    if (token === undefined || logprob === undefined || !isRecord(entry)) return [];
    const top = Array.isArray(entry['top_logprobs']) ? (entry['top_logprobs'] as unknown[]) : [];
    return [
      {
        token,
        logprob,
        bytes: bytesOf(entry['bytes']),
        top_logprobs: top.flatMap((alternative) => {
          const altToken = stringField(alternative, 'token');
          const altLogprob = numberField(alternative, 'logprob');
          if (altToken === undefined || altLogprob === undefined || !isRecord(alternative)) return [];
          return [{ token: altToken, logprob: altLogprob, bytes: bytesOf(alternative['bytes']) }];
        }),
      },
    ];
  });
}

function bytesOf(raw: unknown): number[] | null {
  return Array.isArray(raw) && raw.every((byte) => typeof byte === 'number') ? raw : null;
}

/** Usage in OpenAI's semantics: cached tokens are part of the prompt, reasoning tokens part of the completion. */
function toChatUsage(usage: unknown): ChatUsage {
  const promptTokens = numberField(usage, 'prompt_tokens') ?? 0;
  const completionTokens = numberField(usage, 'completion_tokens') ?? 0;
  const promptDetails = isRecord(usage) ? usage['prompt_tokens_details'] : undefined;
  const completionDetails = isRecord(usage) ? usage['completion_tokens_details'] : undefined;
  const cached = numberField(promptDetails, 'cached_tokens');
  const promptAudio = numberField(promptDetails, 'audio_tokens');
  const reasoning = numberField(completionDetails, 'reasoning_tokens');
  const completionAudio = numberField(completionDetails, 'audio_tokens');
  return {
    ...(isRecord(usage) ? usage : {}),
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: numberField(usage, 'total_tokens') ?? promptTokens + completionTokens,
    ...(isRecord(promptDetails) && {
      prompt_tokens_details: {
        ...promptDetails,
        ...(cached !== undefined && { cached_tokens: cached }),
        ...(promptAudio !== undefined && { audio_tokens: promptAudio }),
      },
    }),
    ...(isRecord(completionDetails) && {
      completion_tokens_details: {
        ...completionDetails,
        ...(reasoning !== undefined && { reasoning_tokens: reasoning }),
        ...(completionAudio !== undefined && { audio_tokens: completionAudio }),
      },
    }),
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
