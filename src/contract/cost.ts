import type { ChatUsage } from './chat';
import type { ModelPrice } from './job';

/**
 * Cost of one call in US dollars from its real usage; null when the model has no price. Prompt tokens read
 * from the provider's prompt cache are charged at the cached-input price and reasoning tokens at the reasoning
 * price, when the price has them; the rest (and everything, for usage without details) at the plain prices,
 * so a call recorded before the details existed costs exactly what it did.
 */
export function costOf(usage: ChatUsage, price: ModelPrice | null): number | null {
  if (!price) return null;
  // Details are parts of the totals (OpenAI semantics); clamp so a provider's inconsistent details never
  // make the remainder negative.
  const cached =
    price.cachedInputUsdPerMTok === undefined
      ? 0
      : clamp(usage.prompt_tokens_details?.cached_tokens ?? 0, usage.prompt_tokens);
  const reasoning =
    price.reasoningOutputUsdPerMTok === undefined
      ? 0
      : clamp(usage.completion_tokens_details?.reasoning_tokens ?? 0, usage.completion_tokens);
  const usd =
    ((usage.prompt_tokens - cached) * price.inputUsdPerMTok +
      cached * (price.cachedInputUsdPerMTok ?? 0) +
      (usage.completion_tokens - reasoning) * price.outputUsdPerMTok +
      reasoning * (price.reasoningOutputUsdPerMTok ?? 0)) /
    1e6;
  // Rounded to a millionth of a cent so sums over many jobs stay exact enough to compare with caps.
  return Math.round(usd * 1e8) / 1e8;
}

function clamp(tokens: number, total: number): number {
  return Math.min(Math.max(0, tokens), total);
}
