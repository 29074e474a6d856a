import {
  estimateCallTokens,
  MIN_RECOVERY_SHARE,
  nextUtcMidnight,
  pickWeighted,
  recoveredWeight,
  soonestFreeInMs,
  standingOf,
} from '../../activities/key-pool-selection';
import { seededRandom } from '../../src/mock-provider/prng';

describe('choosing a key of a pool', () => {
  test('over many draws, each key is drawn in proportion to its weight', () => {
    const keys = [
      { alias: 'a', weight: 1 },
      { alias: 'b', weight: 2 },
      { alias: 'c', weight: 5 },
    ];
    const random = seededRandom(42);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const draws = 80_000;
    for (let i = 0; i < draws; i++) counts[pickWeighted(keys, random)!.alias]! += 1;
    expect(counts.a! / draws).toBeCloseTo(1 / 8, 2);
    expect(counts.b! / draws).toBeCloseTo(2 / 8, 2);
    expect(counts.c! / draws).toBeCloseTo(5 / 8, 2);
  });

  test('a draw from no keys is nothing, and a draw at the very top of the range is the last key', () => {
    expect(pickWeighted([], Math.random)).toBeUndefined();
    const keys = [
      { alias: 'a', weight: 1 },
      { alias: 'b', weight: 1 },
    ];
    expect(pickWeighted(keys, () => 0)?.alias).toBe('a');
    expect(pickWeighted(keys, () => 0.999_999_999)?.alias).toBe('b');
  });

  test('a key rate limited a moment ago gets a small share of its weight, growing back to all of it', () => {
    const now = 1_000_000;
    expect(recoveredWeight(2, 0, now, 60_000)).toBe(2);
    expect(recoveredWeight(2, now, now, 60_000)).toBeCloseTo(2 * MIN_RECOVERY_SHARE);
    expect(recoveredWeight(2, now - 30_000, now, 60_000)).toBeCloseTo(
      2 * (MIN_RECOVERY_SHARE + (1 - MIN_RECOVERY_SHARE) / 2),
    );
    expect(recoveredWeight(2, now - 60_000, now, 60_000)).toBe(2);
  });

  test('a key is out while its quota is, cooling while its cooldown runs, and usable otherwise', () => {
    const now = 1_000;
    expect(standingOf(undefined, now)).toEqual({ state: 'usable' });
    expect(standingOf({ cooldownUntil: 900, outUntil: 0, lastRateLimitedAt: 0 }, now)).toEqual({ state: 'usable' });
    expect(standingOf({ cooldownUntil: 1_500, outUntil: 0, lastRateLimitedAt: 0 }, now)).toEqual({
      state: 'cooling',
      until: 1_500,
    });
    expect(standingOf({ cooldownUntil: 1_500, outUntil: 9_000, lastRateLimitedAt: 0 }, now)).toEqual({
      state: 'out',
      until: 9_000,
    });
  });

  test('the wait for a busy pool is the time until its soonest key frees up, never zero', () => {
    expect(soonestFreeInMs([5_000, 3_000, 60_000], 1_000)).toBe(2_000);
    expect(soonestFreeInMs([999], 1_000)).toBe(1);
    expect(soonestFreeInMs([], 1_000)).toBe(1);
  });

  test('a key out of quota comes back at the next UTC midnight by default', () => {
    expect(nextUtcMidnight(Date.UTC(2026, 10, 30, 23, 59))).toBe(Date.UTC(2026, 11, 1));
    expect(nextUtcMidnight(Date.UTC(2026, 11, 1))).toBe(Date.UTC(2026, 11, 2));
  });

  test('a call is estimated at its input plus max_tokens, or the default output', () => {
    const messages = [{ role: 'user' as const, content: 'x'.repeat(40) }];
    expect(estimateCallTokens({ model: 'm', messages, max_tokens: 100 }, 1_024)).toBe(10 + 4 + 100);
    expect(estimateCallTokens({ model: 'm', messages }, 1_024)).toBe(10 + 4 + 1_024);
  });
});
