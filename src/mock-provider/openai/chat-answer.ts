import { answerChat, type MockChatOutput } from '../chat-behaviour';
import { type JsonObject } from '../json';
import { fnv1a } from '../prng';
import { type ReplyContext } from '../provider';
import { type OpenAIChatCall } from './chat-request';

/**
 * The chat completion body for an accepted request: `answerChat`'s answer written as OpenAI does, `n`
 * times over, with deterministic logprobs when they were asked for.
 */
export function chatCompletionBody(call: OpenAIChatCall, ctx: ReplyContext, cleanText: string): JsonObject {
  const { input, choices, topLogprobs, promptTokens, serviceTier } = call;
  const output = answerChat({ ...input, lastUserText: cleanText, outputTokens: ctx.outputTokens });
  const completionTokens = output.tokens * choices;
  return {
    id: `chatcmpl-mock${ctx.sequence.toString(16).padStart(20, '0')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: input.model,
    choices: Array.from({ length: choices }, (_, index) => choiceOf(output, index, ctx.sequence, topLogprobs)),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: serviceTier,
    system_fingerprint: 'fp_mock',
  };
}

function choiceOf(
  output: MockChatOutput,
  index: number,
  sequence: number,
  topLogprobs: number | undefined,
): JsonObject {
  if (output.kind === 'tool_calls') {
    return {
      index,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        annotations: [],
        tool_calls: output.calls.map((call, position) => ({
          id: toolCallId(sequence, index, position),
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.arguments) },
        })),
      },
      logprobs: topLogprobs === undefined ? null : { content: [], refusal: null },
      finish_reason: 'tool_calls',
    };
  }
  return {
    index,
    message: { role: 'assistant', content: output.text, refusal: null, annotations: [] },
    logprobs: topLogprobs === undefined ? null : { content: wordLogprobs(output.text, topLogprobs), refusal: null },
    finish_reason: output.truncated ? 'length' : 'stop',
  };
}

/**
 * A tool call id that is unique within the response (per choice and call) and across responses (by the
 * request's sequence number), so the same request order always gets the same ids.
 */
export function toolCallId(sequence: number, choice: number, position: number): string {
  return `call_mock${sequence.toString(16).padStart(12, '0')}${choice.toString(36)}${position.toString(36)}`;
}

/** One log probability entry, as OpenAI writes it. */
interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

/**
 * Deterministic logprobs for a reply: one entry per word (each word after the first carries its leading
 * space, as real tokens do), its log probability derived from the word, and `top` alternatives — the
 * word itself first, then less likely variants — most likely first.
 */
export function wordLogprobs(text: string, top: number): TokenLogprob[] {
  const words = text.match(/\S+/g) ?? [];
  return words.map((word, position) => {
    const token = position === 0 ? word : ` ${word}`;
    // In (-1, 0]: the chosen word is always fairly likely, and equal words get equal numbers.
    const logprob = -Number(((fnv1a(token) % 1000) / 1000).toFixed(3));
    const alternatives = Array.from({ length: top }, (_, rank) => {
      const alternative = rank === 0 ? token : `${token}${'~'.repeat(rank)}`;
      return { token: alternative, logprob: Number((logprob - rank).toFixed(3)), bytes: utf8Bytes(alternative) };
    });
    return { token, logprob, bytes: utf8Bytes(token), top_logprobs: alternatives };
  });
}

function utf8Bytes(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}
