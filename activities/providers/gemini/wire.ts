/** The Gemini API's `generateContent` wire format: the request the adapter sends and the normalisation of the answer. */

import { randomUUID } from 'node:crypto';
import {
  type FunctionCallingConfig,
  FunctionCallingConfigMode,
  type FunctionDeclaration,
  type GenerateContentParameters,
} from '@google/genai';
import type {
  ChatChoice,
  ChatCompletion,
  ChatRequest,
  ChatTool,
  ChatToolCall,
  ChatToolChoice,
  ChatUsage,
  FinishReason,
  ReasoningEffort,
} from '../../../src/contract/chat';
import { FailureType } from '../../../src/contract/failure-types';
import { malformedResponse } from '../classify-error';
import { isRecord, numberField, stringField } from '../json-fields';
import { outputLimitOf } from '../output-limit';
import { ProviderError } from '../provider-error';
import { toGeminiConversation } from './contents';

/** Gemini finish reasons that mean the output was withheld or cut for safety, policy or copyright. */
const CONTENT_FILTER_REASONS: ReadonlySet<string> = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/** Gemini's thinking budget (tokens) for each of OpenAI's reasoning efforts. */
const THINKING_BUDGETS: Readonly<Record<ReasoningEffort, number>> = {
  none: 0,
  minimal: 128,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/**
 * Translates the normalised request into `generateContent` parameters: the conversation as in
 * {@link toGeminiConversation}, tools as function declarations with plain JSON Schema, and sampling, structured
 * output and thinking options in the generation config. The output limit is always sent (`defaultMaxTokens`
 * when the request has none), so the answer stays within what was reserved. `user` is not sent: it labels the
 * caller and never shapes the answer.
 */
export function toGeminiRequest(
  model: string,
  request: ChatRequest,
  { abortSignal, defaultMaxTokens }: { abortSignal?: AbortSignal; defaultMaxTokens?: number } = {},
): GenerateContentParameters {
  const { systemInstruction, contents } = toGeminiConversation(request.messages);
  const format = request.response_format;
  const tools = request.tools ?? [];
  return {
    model,
    contents,
    config: {
      ...(systemInstruction !== undefined && { systemInstruction }),
      ...(request.temperature !== undefined && { temperature: request.temperature }),
      ...(request.top_p !== undefined && { topP: request.top_p }),
      maxOutputTokens: outputLimitOf(request, defaultMaxTokens),
      ...(request.stop !== undefined && request.stop.length > 0 && { stopSequences: request.stop }),
      ...(request.seed !== undefined && { seed: request.seed }),
      ...(request.n !== undefined && { candidateCount: request.n }),
      ...(request.presence_penalty !== undefined && { presencePenalty: request.presence_penalty }),
      ...(request.frequency_penalty !== undefined && { frequencyPenalty: request.frequency_penalty }),
      ...(request.reasoning_effort !== undefined && {
        thinkingConfig: { thinkingBudget: THINKING_BUDGETS[request.reasoning_effort] },
      }),
      ...((format?.type === 'json_object' || format?.type === 'json_schema') && {
        responseMimeType: 'application/json',
      }),
      ...(format?.type === 'json_schema' &&
        format.json_schema.schema !== undefined && { responseJsonSchema: format.json_schema.schema }),
      ...(tools.length > 0 && { tools: [{ functionDeclarations: tools.map(toFunctionDeclaration) }] }),
      // A calling mode without declarations has nothing to govern, and a named function must be declared.
      ...(tools.length > 0 &&
        request.tool_choice !== undefined && {
          toolConfig: { functionCallingConfig: toFunctionCallingConfig(request.tool_choice) },
        }),
      ...(abortSignal && { abortSignal }),
    },
  };
}

function toFunctionDeclaration({ function: fn }: ChatTool): FunctionDeclaration {
  return {
    name: fn.name,
    ...(fn.description !== undefined && { description: fn.description }),
    // `parametersJsonSchema` takes JSON Schema as is; `parameters` would need Gemini's OpenAPI subset.
    ...(fn.parameters !== undefined && { parametersJsonSchema: fn.parameters }),
  };
}

function toFunctionCallingConfig(choice: ChatToolChoice): FunctionCallingConfig {
  if (choice === 'auto') return { mode: FunctionCallingConfigMode.AUTO };
  if (choice === 'none') return { mode: FunctionCallingConfigMode.NONE };
  if (choice === 'required') return { mode: FunctionCallingConfigMode.ANY };
  return { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: [choice.function.name] };
}

/**
 * Normalises a `generateContent` response. A prompt blocked before generation comes back as a 200 with
 * `promptFeedback.blockReason` and no candidates: that is a refusal, raised as CONTENT_POLICY.
 */
export function fromGeminiResponse(raw: unknown, requestedModel: string): ChatCompletion {
  if (!isRecord(raw)) throw malformedResponse('the response is not an object');
  const candidates = Array.isArray(raw['candidates']) ? (raw['candidates'] as unknown[]) : [];
  if (candidates.length === 0) {
    const feedback = raw['promptFeedback'];
    const blockReason = stringField(feedback, 'blockReason');
    if (blockReason !== undefined) {
      const message = stringField(feedback, 'blockReasonMessage')?.trim() || `The prompt was blocked (${blockReason})`;
      throw new ProviderError(FailureType.ContentPolicy, message, { providerCode: blockReason });
    }
    throw malformedResponse('the response has no candidates');
  }

  return {
    id: stringField(raw, 'responseId') ?? `gemini-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: stringField(raw, 'modelVersion') ?? requestedModel,
    choices: candidates.map(toChoice),
    usage: toUsage(raw['usageMetadata']),
  };
}

function toChoice(candidate: unknown, position: number): ChatChoice {
  const content = isRecord(candidate) ? candidate['content'] : undefined;
  const parts = isRecord(content) && Array.isArray(content['parts']) ? (content['parts'] as unknown[]) : [];
  const toolCalls = parts
    .map((part) => (isRecord(part) ? part['functionCall'] : undefined))
    .filter((call) => call !== undefined)
    .map(toToolCall);
  return {
    index: numberField(candidate, 'index') ?? position,
    message: {
      role: 'assistant',
      content: candidateText(parts),
      refusal: null,
      ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
    },
    finish_reason: toFinishReason(stringField(candidate, 'finishReason'), toolCalls.length > 0),
    logprobs: null,
  };
}

/**
 * One `functionCall` part as an OpenAI tool call. Models that give no call id get `call_<n>_<name>`, unique
 * within the answer and the same on every replay of it, so the caller's tool message can answer it.
 */
function toToolCall(functionCall: unknown, index: number): ChatToolCall {
  const name = stringField(functionCall, 'name');
  if (name === undefined) throw malformedResponse('a functionCall part has no name');
  const args = isRecord(functionCall) && isRecord(functionCall['args']) ? functionCall['args'] : {};
  return {
    id: stringField(functionCall, 'id') ?? `call_${index}_${name}`,
    type: 'function',
    function: { name, arguments: JSON.stringify(args) },
  };
}

/**
 * Usage in OpenAI's terms: the prompt includes cached tokens, and thinking tokens are billed as output, as
 * OpenAI's completion_tokens includes reasoning tokens.
 */
function toUsage(usage: unknown): ChatUsage {
  const promptTokens = numberField(usage, 'promptTokenCount') ?? 0;
  const cachedTokens = numberField(usage, 'cachedContentTokenCount');
  const thoughtsTokens = numberField(usage, 'thoughtsTokenCount');
  const completionTokens = (numberField(usage, 'candidatesTokenCount') ?? 0) + (thoughtsTokens ?? 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: numberField(usage, 'totalTokenCount') ?? promptTokens + completionTokens,
    ...(cachedTokens !== undefined && { prompt_tokens_details: { cached_tokens: cachedTokens } }),
    ...(thoughtsTokens !== undefined && { completion_tokens_details: { reasoning_tokens: thoughtsTokens } }),
  };
}

/** The candidate's answer text; thought summaries are the model's reasoning, not its answer. */
function candidateText(parts: readonly unknown[]): string | null {
  const texts = parts
    .filter((part) => isRecord(part) && part['thought'] !== true)
    .map((part) => stringField(part, 'text'))
    .filter((text): text is string => text !== undefined);
  return texts.length > 0 ? texts.join('') : null;
}

function toFinishReason(reason: string | undefined, calledTools: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && CONTENT_FILTER_REASONS.has(reason)) return 'content_filter';
  // The model wrote a call that does not parse: a retry usually gets a well-formed one.
  if (reason === 'MALFORMED_FUNCTION_CALL') throw malformedResponse('the model produced a malformed function call');
  // Gemini ends a turn of function calls with STOP; OpenAI callers look for tool_calls.
  if (calledTools) return 'tool_calls';
  // STOP, and reasons with no OpenAI counterpart (OTHER, LANGUAGE, …): generation ended without a cut.
  return 'stop';
}
