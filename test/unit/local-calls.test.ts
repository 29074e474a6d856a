import { CallSlots } from '../../activities/call-slots';
import { LocalCallPolicy } from '../../activities/local-call-policy';

describe('which provider calls run locally', () => {
  test('a provider goes local while its running latency is short, and back once it is short again', () => {
    const policy = new LocalCallPolicy({ maxLatencyMs: 2_000, maxInFlight: 10 });
    expect(policy.choose('openai')).toBe(true);
    policy.observe('openai', 20_000);
    expect(policy.choose('openai')).toBe(false);
    expect(policy.choose('anthropic')).toBe(true);
    for (let i = 0; i < 20; i++) policy.observe('openai', 100);
    expect(policy.choose('openai')).toBe(true);
  });

  test('local calls in flight are bounded: past the bound, calls go through the queue', async () => {
    const policy = new LocalCallPolicy({ maxLatencyMs: 2_000, maxInFlight: 2 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const running = [policy.track(() => gate), policy.track(() => gate)];
    expect(policy.choose('openai')).toBe(false);
    release();
    await Promise.all(running);
    expect(policy.choose('openai')).toBe(true);
  });
});

describe("a provider's local call slots", () => {
  test('hold calls past the limit, first come first served, and let an aborted waiter go', async () => {
    const slots = new CallSlots({ openai: 1 });
    const order: string[] = [];
    let finishFirst: () => void = () => undefined;
    const first = slots.run('openai', new AbortController().signal, async () => {
      order.push('first');
      await new Promise<void>((r) => (finishFirst = r));
    });
    const abandoned = new AbortController();
    const gaveUp = slots.run('openai', abandoned.signal, () => Promise.resolve(order.push('abandoned')));
    const second = slots.run('openai', new AbortController().signal, () => Promise.resolve(order.push('second')));
    abandoned.abort(new Error('cancelled'));
    await expect(gaveUp).rejects.toThrow('cancelled');
    expect(order).toEqual(['first']);
    finishFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    // A provider without a limit is never held.
    await expect(slots.run('gemini', new AbortController().signal, () => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});
