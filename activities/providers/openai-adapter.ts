import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatCompletion, ChatMessage, ChatRequest, FinishReason } from '../../src/contract/chat';
import { startCallDeadline } from './call-deadline';
import { malformedResponse, providerFailure } from './classify-error';
import { connectionProblem, unconfiguredAdapter } from './connection-check';
import { isRecord, numberField, stringField } from './json-fields';
import { outputLimitOf } from './output-limit';
import type { ChatCallInput, ProviderAdapter, ProviderConnection } from './types';

/** The two provider types served by the OpenAI wire format. */
export type OpenAIWireType = 'openai' | 'openai-compatible';

/**
 * Builds an adapter for OpenAI or an OpenAI-compatible server (vLLM, Ollama, Groq, …) over the official
 * `openai` SDK. The request is already in OpenAI's shape, so translation is small: a few role and field
 * renames where the two kinds of server differ, and a null-safe normalisation of the answer.
 *
 * One SDK client is built here, per connection, so every call through this adapter shares Node's
 * keep-alive connection pool instead of opening a new TLS session. A connection without a key (or an
 * `openai-compatible` one without a base URL) gets an adapter whose calls reject with NOT_CONFIGURED.
 */
export function createOpenAIAdapter(type: OpenAIWireType, connection: ProviderConnection): ProviderAdapter {
  const problem = connectionProblem(type, connection);
  if (problem !== undefined) return unconfiguredAdapter(type, problem);
  const client = new OpenAI({
    apiKey: connection.apiKey,
    ...(connection.baseUrl ? { baseURL: connection.baseUrl } : {}),
    timeout: connection.timeoutMs,
    // Temporal owns retries: an SDK retry would hide the attempt from the workflow and stretch the timeout.
    maxRetries: 0,
    // The connection is the only source of account settings; OPENAI_ORG_ID / OPENAI_PROJECT_ID /
    // OPENAI_ADMIN_KEY in the worker's environment must not leak into requests (least of all to
    // third-party compatible servers).
    organization: null,
    project: null,
    adminAPIKey: null,
  });

  return {
    type,
    async chat({ model, request, signal, timeoutMs }: ChatCallInput): Promise<ChatCompletion> {
      const deadline = startCallDeadline(Math.min(connection.timeoutMs, timeoutMs ?? Infinity), signal);
      let raw: unknown;
      try {
        raw = await client.chat.completions.create(toOpenAIRequest(type, model, request, connection.defaultMaxTokens), {
          signal: deadline.signal,
        });
      } catch (error) {
        throw providerFailure(error, { signal, deadline });
      } finally {
        deadline.dispose();
      }
      return toChatCompletion(raw, model);
    },
  };
}

/**
 * Translates the normalised request into a Chat Completions request body for `type`. The output limit is
 * always sent (`defaultMaxTokens` when the request has none), so the answer stays within what was reserved.
 */
export function toOpenAIRequest(
  type: OpenAIWireType,
  model: string,
  request: ChatRequest,
  defaultMaxTokens?: number,
): ChatCompletionCreateParamsNonStreaming {
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
  const name = message.name !== undefined ? { name: message.name } : {};
  switch (message.role) {
    case 'developer':
      // The `developer` role is OpenAI's; the chat templates of vLLM, Ollama and friends only know `system`.
      return type === 'openai'
        ? { role: 'developer', content: message.content, ...name }
        : { role: 'system', content: message.content, ...name };
    case 'system':
      return { role: 'system', content: message.content, ...name };
    case 'user':
      return { role: 'user', content: message.content, ...name };
    case 'assistant':
      return { role: 'assistant', content: message.content, ...name };
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
