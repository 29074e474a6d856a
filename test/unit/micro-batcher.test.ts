import { MicroBatcher } from '../../src/api/micro-batcher';

/** A batcher whose `send` records each group and answers every item doubled. */
function recording(maxItems: number, maxWaitMs: number) {
  const groups: Array<{ key: string; items: number[] }> = [];
  const batcher = new MicroBatcher<number, number>({ maxItems, maxWaitMs }, (key, items) => {
    groups.push({ key, items: [...items] });
    return Promise.resolve(items.map((item) => item * 2));
  });
  return { batcher, groups };
}

describe('MicroBatcher', () => {
  test('a full group is sent at once, without waiting for the timer', async () => {
    const { batcher, groups } = recording(3, 60_000);
    const answers = await Promise.all([1, 2, 3].map((n) => batcher.add('m', n)));
    expect(groups).toEqual([{ key: 'm', items: [1, 2, 3] }]);
    expect(answers.map((a) => a.result)).toEqual([2, 4, 6]);
    expect(answers.every((a) => a.batchSize === 3)).toBe(true);
  });

  test('a group that does not fill is sent after the wait, and items past the size start the next group', async () => {
    const { batcher, groups } = recording(2, 30);
    const started = Date.now();
    const answers = await Promise.all([1, 2, 3].map((n) => batcher.add('m', n)));
    expect(groups).toEqual([
      { key: 'm', items: [1, 2] },
      { key: 'm', items: [3] },
    ]);
    expect(answers.map((a) => a.result)).toEqual([2, 4, 6]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(answers[2]?.waitedMs).toBeGreaterThanOrEqual(25);
    expect(batcher.waiting).toBe(0);
  });

  test('groups of different keys never mix', async () => {
    const { batcher, groups } = recording(10, 10);
    await Promise.all([batcher.add('a', 1), batcher.add('b', 2), batcher.add('a', 3)]);
    expect(groups).toEqual(
      expect.arrayContaining([
        { key: 'a', items: [1, 3] },
        { key: 'b', items: [2] },
      ]),
    );
    expect(groups).toHaveLength(2);
  });

  test('a group whose send fails fails every item of it, and only those', async () => {
    let first = true;
    const batcher = new MicroBatcher<number, number>({ maxItems: 2, maxWaitMs: 10 }, (_key, items) => {
      if (first) {
        first = false;
        return Promise.reject(new Error('provider down'));
      }
      return Promise.resolve(items);
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => batcher.add('m', n)));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });

  test('with no wait configured, every item is sent on its own', async () => {
    const { batcher, groups } = recording(64, 0);
    await Promise.all([batcher.add('m', 1), batcher.add('m', 2)]);
    expect(groups).toHaveLength(2);
  });
});
