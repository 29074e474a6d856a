/** The Gemini API's `generateContent` wire format: the request the adapter sends and the normalisation of the answer. */

import { randomUUID } from 'node:crypto';
import type { GenerateContentParameters } from '@google/genai';
import type { ChatCompletion, ChatRequest, FinishReason } from '../../../src/contract/chat';
import { FailureType } from '../../../src/contract/failure-types';
import { malformedResponse } from '../classify-error';
import { toConversation } from '../conversation-turns';
import { isRecord, numberField, stringField } from '../json-fields';
import { outputLimitOf } from '../output-limit';
import { ProviderError } from '../provider-error';

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

/**
 * Translates the normalised request into `generateContent` parameters: system and developer messages become
 * `systemInstruction`, `assistant` becomes `model`, consecutive same-role messages are merged into one
 * turn, and sampling options move into the generation config. The output limit is always sent
 * (`defaultMaxTokens` when the request has none), so the answer stays within what was reserved.
 */
export function toGeminiRequest(
  model: string,
  request: ChatRequest,
  { abortSignal, defaultMaxTokens }: { abortSignal?: AbortSignal; defaultMaxTokens?: number } = {},
): GenerateContentParameters {
  const { system, turns } = toConversation(request.messages);
  return {
    model,
    contents: turns.map(({ role, texts }) => ({
      role: role === 'assistant' ? 'model' : 'user',
      parts: texts.map((text) => ({ text })),
    })),
    config: {
      ...(system !== undefined && { systemInstruction: system }),
      ...(request.temperature !== undefined && { temperature: request.temperature }),
      ...(request.top_p !== undefined && { topP: request.top_p }),
      maxOutputTokens: outputLimitOf(request, defaultMaxTokens),
      ...(request.stop !== undefined && request.stop.length > 0 && { stopSequences: request.stop }),
      ...(request.seed !== undefined && { seed: request.seed }),
      ...(abortSignal && { abortSignal }),
    },
  };
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

  const usage = raw['usageMetadata'];
  const promptTokens = numberField(usage, 'promptTokenCount') ?? 0;
  // Thinking tokens are billed as output, as OpenAI's completion_tokens includes reasoning tokens.
  const completionTokens =
    (numberField(usage, 'candidatesTokenCount') ?? 0) + (numberField(usage, 'thoughtsTokenCount') ?? 0);
  return {
    id: stringField(raw, 'responseId') ?? `gemini-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: stringField(raw, 'modelVersion') ?? requestedModel,
    choices: candidates.map((candidate, position) => ({
      index: numberField(candidate, 'index') ?? position,
      message: { role: 'assistant', content: candidateText(candidate), refusal: null },
      finish_reason: toFinishReason(stringField(candidate, 'finishReason')),
      logprobs: null,
    })),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: numberField(usage, 'totalTokenCount') ?? promptTokens + completionTokens,
    },
  };
}

/** The candidate's answer text; thought summaries are the model's reasoning, not its answer. */
function candidateText(candidate: unknown): string | null {
  const content = isRecord(candidate) ? candidate['content'] : undefined;
  const parts = isRecord(content) && Array.isArray(content['parts']) ? (content['parts'] as unknown[]) : [];
  const texts = parts
    .filter((part) => isRecord(part) && part['thought'] !== true)
    .map((part) => stringField(part, 'text'))
    .filter((text): text is string => text !== undefined);
  return texts.length > 0 ? texts.join('') : null;
}

function toFinishReason(reason: string | undefined): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && CONTENT_FILTER_REASONS.has(reason)) return 'content_filter';
  // STOP, and reasons with no OpenAI counterpart (OTHER, LANGUAGE, …): generation ended without a cut.
  return 'stop';
}
