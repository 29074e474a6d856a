import { AdmissionGate, GateAbortedError, GateRefusedError, type Release } from '../../src/api/admission-gate';
import { ActiveJobHold } from '../../src/api/active-job-hold';
import { Admission } from '../../src/api/admission';
import { HttpError } from '../../src/api/http-error';

function gate(options: Partial<ConstructorParameters<typeof AdmissionGate>[0]> = {}): AdmissionGate {
  return new AdmissionGate({ name: 'starts', limit: 1, maxQueued: 10, maxQueueWaitMs: 5_000, ...options });
}

/** Lets promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('admission gate', () => {
  test('grants slots up to its limit at once, then queues', async () => {
    const g = gate({ limit: 2 });
    const first = await g.acquire();
    await g.acquire();
    let third = false;
    const waiting = g.acquire().then((release) => ((third = true), release));
    await settle();
    expect({ inFlight: g.inFlight, queued: g.queued, third }).toEqual({ inFlight: 2, queued: 1, third: false });
    first();
    await waiting;
    expect({ inFlight: g.inFlight, queued: g.queued, third }).toEqual({ inFlight: 2, queued: 0, third: true });
  });

  test('hands freed slots to waiters in arrival order', async () => {
    const g = gate();
    const first = await g.acquire();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) =>
      g.acquire().then((release) => {
        order.push(n);
        return release;
      }),
    );
    let release: Release = first;
    for (const next of waiting) {
      release();
      release = await next;
    }
    release();
    expect(order).toEqual([1, 2, 3]);
    expect({ inFlight: g.inFlight, queued: g.queued }).toEqual({ inFlight: 0, queued: 0 });
  });

  test('a late arrival does not overtake the queue when a slot frees up', async () => {
    const g = gate();
    const first = await g.acquire();
    const order: string[] = [];
    const queued = g.acquire().then((release) => (order.push('queued'), release));
    first();
    const late = g.acquire().then((release) => (order.push('late'), release));
    (await queued)();
    (await late)();
    expect(order).toEqual(['queued', 'late']);
  });

  test('when the queue is full, the next request is refused at once', async () => {
    const g = gate({ maxQueued: 2 });
    const held = await g.acquire();
    const waiters = [g.acquire(), g.acquire()];
    await expect(g.acquire()).rejects.toMatchObject({ name: 'GateRefusedError', reason: 'queue_full' });
    expect({ queued: g.queued, refused: g.refused }).toEqual({ queued: 2, refused: 1 });
    held();
    for (const waiter of waiters) (await waiter)();
  });

  test('with no queue allowed, a request finding every slot taken is refused', async () => {
    const g = gate({ maxQueued: 0 });
    await g.acquire();
    await expect(g.acquire()).rejects.toBeInstanceOf(GateRefusedError);
  });

  test('a waiter is refused when its deadline passes, and leaves the queue', async () => {
    const g = gate({ maxQueueWaitMs: 50 });
    const held = await g.acquire();
    const startedAt = Date.now();
    await expect(g.acquire()).rejects.toMatchObject({ reason: 'wait_timeout' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(40);
    expect(g.queued).toBe(0);
    held();
    expect(g.inFlight).toBe(0);
  });

  test('a deadline already past is refused without queueing', async () => {
    const g = gate();
    await g.acquire();
    await expect(g.acquire({ deadline: Date.now() - 1 })).rejects.toMatchObject({ reason: 'wait_timeout' });
    expect(g.queued).toBe(0);
  });

  test('an aborted waiter leaves the queue, and the freed slot goes to the next one', async () => {
    const g = gate();
    const held = await g.acquire();
    const controller = new AbortController();
    const aborted = g.acquire({ signal: controller.signal });
    const next = g.acquire();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(GateAbortedError);
    expect(g.queued).toBe(1);
    held();
    (await next)();
    expect({ inFlight: g.inFlight, queued: g.queued, refused: g.refused }).toEqual({
      inFlight: 0,
      queued: 0,
      refused: 0,
    });
  });

  test('releasing twice frees one slot', async () => {
    const g = gate({ limit: 2 });
    const release = await g.acquire();
    await g.acquire();
    release();
    release();
    expect(g.inFlight).toBe(1);
  });

  describe('Retry-After', () => {
    test('without recent releases it is the longest wait, at least 1 s', () => {
      expect(gate({ maxQueueWaitMs: 5_000 }).retryAfterSeconds()).toBe(5);
      expect(gate({ maxQueueWaitMs: 200 }).retryAfterSeconds()).toBe(1);
    });

    test('is the queue ahead divided by the recent release rate', async () => {
      let now = 0;
      const g = gate({ limit: 1, now: () => now });
      // Ten releases 500 ms apart: two slots given back per second.
      for (let i = 0; i < 10; i++) {
        now = i * 500;
        (await g.acquire())();
      }
      now = 4_500;
      const held = await g.acquire();
      const waiters = Array.from({ length: 5 }, () => g.acquire().catch(() => undefined));
      // Ten releases over 4.5 s; five waiting plus the caller: ceil(6 / 2.22) = 3 s.
      expect(g.retryAfterSeconds()).toBe(3);
      held();
      await Promise.all(waiters.map(async (w) => (await w)?.()));
    });

    test('never exceeds a minute, however slow the service', async () => {
      let now = 0;
      const g = gate({ limit: 1, maxQueued: 1_000, now: () => now });
      (await g.acquire())();
      now = 29_000;
      (await g.acquire())();
      const held = await g.acquire();
      const waiters = Array.from({ length: 500 }, () => g.acquire().catch(() => undefined));
      expect(g.retryAfterSeconds()).toBe(60);
      held();
      await Promise.all(waiters.map(async (w) => (await w)?.()));
    });
  });
});

describe('admission', () => {
  const config = { maxConcurrentStarts: 1, maxSyncJobs: 1, maxActiveJobs: 1, maxQueued: 0, maxQueueWaitMs: 1_000 };

  test('a refusal is a 503 overloaded with Retry-After', async () => {
    const admission = new Admission(config);
    const release = await admission.enter(admission.starts, admission.deadline());
    const refused = await admission.enter(admission.starts, admission.deadline()).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(HttpError);
    const error = refused as HttpError;
    expect({ status: error.status, code: error.code }).toEqual({ status: 503, code: 'overloaded' });
    expect(error.extra.headers?.['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(error.extra.details).toEqual({ retry_after_seconds: Number(error.extra.headers?.['retry-after']) });
    release();
  });

  test('a slot granted to a client that has just left is given back', async () => {
    const admission = new Admission({ ...config, maxQueued: 1 });
    const release = await admission.enter(admission.sync, admission.deadline());
    const controller = new AbortController();
    const waiting = admission.enter(admission.sync, admission.deadline(), controller.signal);
    controller.abort();
    release();
    await expect(waiting).rejects.toMatchObject({ status: 499, code: 'client_closed_request' });
    expect({ inFlight: admission.sync.inFlight, queued: admission.sync.queued }).toEqual({ inFlight: 0, queued: 0 });
  });
});

describe('active jobs', () => {
  const config = { maxConcurrentStarts: 4, maxSyncJobs: 100, maxActiveJobs: 1, maxQueued: 10, maxQueueWaitMs: 5_000 };

  test('a job that ends gives its active slot to the next one', async () => {
    const admission = new Admission(config);
    const end = await admission.enterActive(admission.deadline());
    let second = false;
    const waiting = admission.enterActive(admission.deadline()).then((endSecond) => ((second = true), endSecond));
    await settle();
    expect({ inFlight: admission.active.inFlight, queued: admission.active.queued, second }).toEqual({
      inFlight: 1,
      queued: 1,
      second: false,
    });
    end(5);
    end(5);
    (await waiting)();
    expect({ inFlight: admission.active.inFlight, queued: admission.active.queued }).toEqual({ inFlight: 0, queued: 0 });
  });

  test('a job still running after the hold is taken to wait on its provider and frees its slot', async () => {
    jest.useFakeTimers();
    try {
      const admission = new Admission(config);
      const hold = admission.activeHoldMs();
      const end = await admission.enterActive(Date.now() + 60_000);
      const waiting = admission.enterActive(Date.now() + 60_000);
      jest.advanceTimersByTime(hold - 1);
      expect(admission.active.queued).toBe(1);
      jest.advanceTimersByTime(1);
      const endSecond = await waiting;
      expect({ inFlight: admission.active.inFlight, queued: admission.active.queued }).toEqual({ inFlight: 1, queued: 0 });
      // The first job's end, after its hold, gives back nothing more.
      end(10);
      expect(admission.active.inFlight).toBe(1);
      endSecond();
      expect(admission.active.inFlight).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('active job hold', () => {
  test('starts at its initial hold, then follows twice the p90 of what jobs spent outside their provider', () => {
    const hold = new ActiveJobHold();
    expect(hold.holdMs()).toBe(1_000);
    // Slow provider: 2 s calls, 40–80 ms in Temporal.
    for (let i = 0; i < 200; i++) hold.record(2_000 + 40 + (i % 5) * 10, 2_000);
    expect(hold.holdMs()).toBe(160);
    // Temporal falls behind: jobs spend 300–700 ms before and after a 1 ms call.
    for (let i = 0; i < 200; i++) hold.record(301 + (i % 5) * 100, 1);
    expect(hold.holdMs()).toBe(1_400);
  });

  test('never exceeds its bounds, whatever a job reports', () => {
    const hold = new ActiveJobHold();
    for (let i = 0; i < 200; i++) hold.record(600_000, 0);
    expect(hold.holdMs()).toBe(10_000);
    for (let i = 0; i < 200; i++) hold.record(10, 50);
    expect(hold.holdMs()).toBe(100);
    hold.record(Number.NaN, 0);
    expect(hold.holdMs()).toBe(100);
  });
});
