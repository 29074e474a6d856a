/**
 * Splits the tokens one provider call billed among the items it carried, in proportion to each item's weight
 * (its text's size), by largest remainder: every share is a whole number and the shares add up to `total`
 * exactly, so the items together are charged what the provider charged, no more and no less.
 */
export function tokenShares(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((acc, weight) => acc + Math.max(0, weight), 0);
  // Items with no weight at all (or all empty) share equally.
  const parts = sum > 0 ? weights.map((weight) => Math.max(0, weight) / sum) : weights.map(() => 1 / weights.length);
  const exact = parts.map((part) => part * total);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((acc, share) => acc + share, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left <= 0) break;
    shares[index] = (shares[index] ?? 0) + 1;
    left--;
  }
  return shares;
}
