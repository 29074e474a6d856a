import type { ChatUsage } from '../src/contract/chat';
import type { ModelPrice } from '../src/contract/job';

/** Cost of one call in US dollars from its real usage; null when the model has no price. */
export function costOf(usage: ChatUsage, price: ModelPrice | null): number | null {
  if (!price) return null;
  const usd = (usage.prompt_tokens * price.inputUsdPerMTok + usage.completion_tokens * price.outputUsdPerMTok) / 1e6;
  // Rounded to a millionth of a cent so sums over many jobs stay exact enough to compare with caps.
  return Math.round(usd * 1e8) / 1e8;
}
