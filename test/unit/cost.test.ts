import { costOf } from '../../src/contract/cost';
import type { ChatUsage } from '../../src/contract/chat';
import type { ModelPrice } from '../../src/contract/job';

const plain: ModelPrice = { inputUsdPerMTok: 2, outputUsdPerMTok: 8 };
const detailed: ModelPrice = { ...plain, cachedInputUsdPerMTok: 0.5, reasoningOutputUsdPerMTok: 12 };

const usage = (extra: Partial<ChatUsage> = {}): ChatUsage => ({
  prompt_tokens: 1_000,
  completion_tokens: 500,
  total_tokens: 1_500,
  ...extra,
});

describe('the cost of a call', () => {
  test('usage without details costs input and output at their prices, whatever the price table has', () => {
    expect(costOf(usage(), plain)).toBe((1_000 * 2 + 500 * 8) / 1e6);
    expect(costOf(usage(), detailed)).toBe(costOf(usage(), plain));
  });

  test('cached prompt tokens cost the cached-input price, reasoning tokens the reasoning price', () => {
    const details = usage({
      prompt_tokens_details: { cached_tokens: 600 },
      completion_tokens_details: { reasoning_tokens: 200 },
    });
    expect(costOf(details, detailed)).toBeCloseTo((400 * 2 + 600 * 0.5 + 300 * 8 + 200 * 12) / 1e6, 12);
  });

  test('without cached or reasoning prices, details change nothing', () => {
    const details = usage({
      prompt_tokens_details: { cached_tokens: 600 },
      completion_tokens_details: { reasoning_tokens: 200 },
    });
    expect(costOf(details, plain)).toBe(costOf(usage(), plain));
  });

  test('details larger than their totals are bounded by the totals', () => {
    const odd = usage({ prompt_tokens_details: { cached_tokens: 5_000 } });
    expect(costOf(odd, detailed)).toBeCloseTo((1_000 * 0.5 + 500 * 8) / 1e6, 12);
  });

  test('an unpriced model costs null', () => {
    expect(costOf(usage(), null)).toBeNull();
  });
});
