import { textOf, type ChatCompletion, type ChatRequest } from '../src/contract/chat';
import { FailureType } from '../src/contract/failure-types';
import type { FallbackPlan } from '../src/contract/job';

/**
 * Failures that are the gateway's or the providers' doing: the caller's request may still get a degraded
 * answer. Invalid requests, content refusals, budget and cache-only outcomes are the caller's to fix.
 */
export const DEGRADABLE_FAILURES: readonly string[] = [
  FailureType.ServerError,
  FailureType.Overloaded,
  FailureType.Timeout,
  FailureType.RateLimited,
  FailureType.MalformedResponse,
  FailureType.QuotaExhausted,
  FailureType.Auth,
  FailureType.NotConfigured,
  FailureType.CircuitOpen,
];

function lastUserText(request: ChatRequest): string {
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  return textOf(last.content);
}

/** The answer of the first rule whose pattern matches the last user message, or null. */
export function ruleAnswer(plan: FallbackPlan, request: ChatRequest): string | null {
  const input = lastUserText(request);
  for (const rule of plan.rules) {
    if (new RegExp(rule.pattern, 'i').test(input)) return rule.answer.split('{{input}}').join(input);
  }
  return null;
}

/** A completion in OpenAI's shape for an answer Switchyard made up itself (no tokens were used). */
export function syntheticCompletion(
  id: string,
  request: ChatRequest,
  content: string,
  created: number,
): ChatCompletion {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(created / 1000),
    model: request.model,
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
    ],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}
