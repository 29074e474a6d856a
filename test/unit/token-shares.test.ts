import fc from 'fast-check';
import { tokenShares } from '../../src/contract/token-shares';

describe('tokenShares', () => {
  test('splits in proportion to the weights', () => {
    expect(tokenShares(100, [1, 1, 2])).toEqual([25, 25, 50]);
    expect(tokenShares(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(tokenShares(0, [5, 7])).toEqual([0, 0]);
    expect(tokenShares(9, [0, 0, 0])).toEqual([3, 3, 3]);
    expect(tokenShares(5, [])).toEqual([]);
  });

  test('the shares are whole, never negative, and add up to the total exactly', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1_000_000 }),
        fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 200 }),
        (total, weights) => {
          const shares = tokenShares(total, weights);
          expect(shares).toHaveLength(weights.length);
          expect(shares.every((share) => Number.isInteger(share) && share >= 0)).toBe(true);
          expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
        },
      ),
    );
  });
});
