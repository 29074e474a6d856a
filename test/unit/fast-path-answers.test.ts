import pino from 'pino';
import type { CachedResponse } from '../../src/contract/job';
import { fastPathAnswers } from '../../src/api/fast-path-answers';
import type { ResponseCacheStore, TimedCacheLookup } from '../../src/stores/cache/contract';

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  choices: [],
} as unknown as CachedResponse['completion'];

/** A cache whose one entry the test sets, counting reads. */
function fakeCache(entry: () => TimedCacheLookup<CachedResponse> | null | Error) {
  const cache = {
    reads: 0,
    getTimed: () => {
      cache.reads += 1;
      const found = entry();
      return found instanceof Error ? Promise.reject(found) : Promise.resolve(found);
    },
  };
  return cache;
}

const asStore = (cache: ReturnType<typeof fakeCache>) => cache as unknown as ResponseCacheStore<CachedResponse>;
const silent = pino({ level: 'silent' });

describe('fast path answers', () => {
  afterEach(() => jest.useRealTimers());

  test('a fresh entry is served serialized, then held without reading the store again', async () => {
    jest.useFakeTimers({ now: 10_000 });
    const cache = fakeCache(() => ({
      value: { completion, providerId: 'openai', model: 'gpt-4o-mini' },
      storedAt: 0,
      stale: false,
      freshUntil: 60_000,
    }));
    const answers = fastPathAnswers(asStore(cache), silent, { holdMs: 1_000 });

    const answer = await answers.fresh('k', 'acme');
    expect(answer).toEqual({
      body: JSON.stringify(completion),
      bytes: Buffer.byteLength(JSON.stringify(completion)),
      provider: 'openai:gpt-4o-mini',
    });
    expect(answers.held('k')).toEqual(answer);
    await answers.fresh('k', 'acme');
    expect(cache.reads).toBe(1);

    jest.setSystemTime(11_000);
    expect(answers.held('k')).toBeUndefined();
    await answers.fresh('k', 'acme');
    expect(cache.reads).toBe(2);
  });

  test('an answer is never held past the time it turns stale', async () => {
    jest.useFakeTimers({ now: 10_000 });
    const cache = fakeCache(() => ({
      value: { completion, providerId: 'openai', model: 'gpt-4o-mini' },
      storedAt: 0,
      stale: false,
      freshUntil: 10_200,
    }));
    const answers = fastPathAnswers(asStore(cache), silent, { holdMs: 1_000 });
    await answers.fresh('k', 'acme');
    jest.setSystemTime(10_200);
    expect(answers.held('k')).toBeUndefined();
  });

  test('stale entries and a store that is down are no answer; a forgotten answer is read again', async () => {
    let entry: TimedCacheLookup<CachedResponse> | Error = {
      value: { completion, providerId: 'openai', model: 'gpt-4o-mini' },
      storedAt: 0,
      stale: true,
      freshUntil: 0,
    };
    const cache = fakeCache(() => entry);
    const answers = fastPathAnswers(asStore(cache), silent);
    expect(await answers.fresh('k', 'acme')).toBeNull();
    entry = new Error('connection refused');
    expect(await answers.fresh('k', 'acme')).toBeNull();

    entry = {
      value: { completion, providerId: 'openai', model: 'm' },
      storedAt: 0,
      stale: false,
      freshUntil: Infinity,
    };
    await answers.fresh('k', 'acme');
    answers.forget('k');
    expect(answers.held('k')).toBeUndefined();
  });

  test('an answer served past the middle of its hold is read again once, in the background, and stays held', async () => {
    jest.useFakeTimers({ now: 10_000 });
    let provider = 'openai';
    const cache = fakeCache(() => ({
      value: { completion, providerId: provider, model: 'gpt-4o-mini' },
      storedAt: 0,
      stale: false,
      freshUntil: 60_000,
    }));
    const answers = fastPathAnswers(asStore(cache), silent, { holdMs: 1_000 });
    await answers.fresh('k', 'acme');

    jest.setSystemTime(10_400);
    expect(answers.held('k')?.provider).toBe('openai:gpt-4o-mini');
    expect(cache.reads).toBe(1);

    provider = 'anthropic';
    jest.setSystemTime(10_600);
    // Served at once from what is held; one read starts, however many requests come meanwhile.
    expect(answers.held('k')?.provider).toBe('openai:gpt-4o-mini');
    expect(answers.held('k')?.provider).toBe('openai:gpt-4o-mini');
    expect(cache.reads).toBe(2);
    await Promise.resolve();
    await Promise.resolve();

    // Past the first read's hold, the answer read at 10,600 is served: nothing ever missed.
    jest.setSystemTime(11_050);
    expect(answers.held('k')?.provider).toBe('anthropic:gpt-4o-mini');
    expect(cache.reads).toBe(2);
  });

  test('a background read that finds the entry gone or stale drops the held answer', async () => {
    jest.useFakeTimers({ now: 10_000 });
    let stale = false;
    const cache = fakeCache(() => ({
      value: { completion, providerId: 'openai', model: 'gpt-4o-mini' },
      storedAt: 0,
      stale,
      freshUntil: 60_000,
    }));
    const answers = fastPathAnswers(asStore(cache), silent, { holdMs: 1_000 });
    await answers.fresh('k', 'acme');
    stale = true;
    jest.setSystemTime(10_600);
    expect(answers.held('k')).toBeDefined();
    await Promise.resolve();
    await Promise.resolve();
    expect(answers.held('k')).toBeUndefined();
  });

  test('requests that miss together share one read of the store', async () => {
    const cache = fakeCache(() => ({
      value: { completion, providerId: 'openai', model: 'gpt-4o-mini' },
      storedAt: 0,
      stale: false,
      freshUntil: Infinity,
    }));
    const answers = fastPathAnswers(asStore(cache), silent);
    const all = await Promise.all([answers.fresh('k', 'acme'), answers.fresh('k', 'acme'), answers.fresh('k', 'acme')]);
    expect(cache.reads).toBe(1);
    expect(all[1]).toBe(all[0]);
    expect(all[2]).toBe(all[0]);
  });

  test('a read under way when a job writes a newer answer is not held', async () => {
    let release: (() => void) | undefined;
    const cache = {
      reads: 0,
      getTimed: () => {
        cache.reads += 1;
        return new Promise<TimedCacheLookup<CachedResponse>>((resolve) => {
          release = () =>
            resolve({
              value: { completion, providerId: 'openai', model: 'old' },
              storedAt: 0,
              stale: false,
              freshUntil: Infinity,
            });
        });
      },
    };
    const answers = fastPathAnswers(cache as unknown as ResponseCacheStore<CachedResponse>, silent);
    const first = answers.fresh('k', 'acme');
    answers.forget('k');
    release?.();
    expect((await first)?.provider).toBe('openai:old');
    expect(answers.held('k')).toBeUndefined();
  });
});
