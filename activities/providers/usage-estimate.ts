/**
 * Token counts guessed from text, for streams whose provider reports no usage (some OpenAI-compatible servers
 * ignore `stream_options.include_usage`). A guess beats zero: zero would make the call free in the tenant's
 * budget and in every cost report.
 */

import { type ChatCompletion, type ChatRequest, type ChatUsage, textOf } from '../../src/contract/chat';

/** OpenAI's rule of thumb for English text; no tokenizer is at hand for an unknown compatible model. */
const CHARS_PER_TOKEN = 4;

/** Tokens of a text `chars` characters long, by the rule of thumb; rounded up so any text costs something. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Usage estimated from the request's text (messages, tool calls, tool definitions) and the answer's. */
export function estimatedUsage(request: ChatRequest, completion: ChatCompletion): ChatUsage {
  const promptTokens = estimateTokens(requestChars(request));
  const completionTokens = estimateTokens(answerChars(completion));
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** Input tokens of a request, estimated from its text. */
export function estimatedPromptTokens(request: ChatRequest): number {
  return estimateTokens(requestChars(request));
}

function requestChars(request: ChatRequest): number {
  let chars = request.tools === undefined ? 0 : JSON.stringify(request.tools).length;
  for (const message of request.messages) {
    chars += textOf(message.content).length;
    if (message.role !== 'assistant') continue;
    for (const call of message.tool_calls ?? []) chars += call.function.name.length + call.function.arguments.length;
  }
  return chars;
}

function answerChars(completion: ChatCompletion): number {
  let chars = 0;
  for (const { message } of completion.choices) {
    chars += (message.content?.length ?? 0) + (message.refusal?.length ?? 0);
    for (const call of message.tool_calls ?? []) chars += call.function.name.length + call.function.arguments.length;
  }
  return chars;
}
