import { BoundedMemo } from '../../src/api/fast-path-memo';

describe('the fast path memo', () => {
  test('an entry is served until its deadline and not after', () => {
    const memo = new BoundedMemo<string>();
    memo.set('k', 'answer', 10, 1_000);
    expect(memo.get('k', 999)).toBe('answer');
    expect(memo.get('k', 1_000)).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  test('past its entry count the oldest entries are dropped', () => {
    const memo = new BoundedMemo<number>({ maxEntries: 2 });
    memo.set('a', 1, 1, Infinity);
    memo.set('b', 2, 1, Infinity);
    memo.set('c', 3, 1, Infinity);
    expect([memo.get('a', 0), memo.get('b', 0), memo.get('c', 0)]).toEqual([undefined, 2, 3]);
  });

  test('past its byte bound the oldest entries are dropped, and an entry larger than the bound is not held', () => {
    const memo = new BoundedMemo<string>({ maxBytes: 100 });
    memo.set('a', 'a', 60, Infinity);
    memo.set('b', 'b', 60, Infinity);
    expect([memo.get('a', 0), memo.get('b', 0)]).toEqual([undefined, 'b']);
    memo.set('huge', 'h', 101, Infinity);
    expect(memo.get('huge', 0)).toBeUndefined();
    expect(memo.get('b', 0)).toBe('b');
  });

  test('replacing or deleting an entry gives its bytes back', () => {
    const memo = new BoundedMemo<string>({ maxBytes: 100 });
    memo.set('a', 'old', 90, Infinity);
    memo.set('a', 'new', 90, Infinity);
    memo.delete('a');
    memo.set('b', 'b', 100, Infinity);
    expect(memo.get('b', 0)).toBe('b');
  });
});
