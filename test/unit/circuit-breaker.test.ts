import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CircuitSettings } from '../../src/stores/circuits/contract';
import { admit, CLOSED, recordOutcome } from '../../src/stores/circuits/state';
import type { CircuitStore } from '../../src/stores/circuits/contract';
import { createCircuitStore } from '../../src/stores/circuits/open';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

const settings: CircuitSettings = {
  failureRatio: 0.5,
  minRequests: 4,
  consecutiveFailures: 3,
  windowSeconds: 10,
  openSeconds: 5,
  probeSeconds: 5,
};

describe('the circuit state machine', () => {
  test('consecutive failures open the circuit', () => {
    let record = CLOSED;
    for (let i = 0; i < 2; i++) record = recordOutcome(record, settings, false, 1_000);
    expect(record.phase).toBe('closed');
    record = recordOutcome(record, settings, false, 1_000);
    expect(record).toMatchObject({ phase: 'open', openUntil: 6_000 });
  });

  test('a failure ratio over the window opens it even without a run of failures', () => {
    let record = CLOSED;
    for (const ok of [true, false, true]) record = recordOutcome(record, settings, ok, 1_000);
    expect(record.phase).toBe('closed');
    record = recordOutcome(record, settings, false, 1_000);
    expect(record.phase).toBe('open');
  });

  test('failures outside the window are forgotten', () => {
    let record = recordOutcome(CLOSED, settings, false, 0);
    record = recordOutcome(record, settings, true, 0);
    record = recordOutcome(record, settings, false, 20_000);
    expect(record).toMatchObject({ phase: 'closed', requests: 1, failures: 1 });
  });

  test('an open circuit refuses calls, then lets exactly one probe through after the cool-down', () => {
    const open = { ...CLOSED, phase: 'open' as const, openUntil: 5_000 };
    expect(admit(open, settings, 4_999).allowed).toBe(false);
    const probe = admit(open, settings, 5_000);
    expect(probe).toMatchObject({ allowed: true, next: { phase: 'half_open', probeUntil: 10_000 } });
    expect(admit(probe.next, settings, 6_000).allowed).toBe(false);
    // A probe that never reported (its worker died) is replaced once its lease runs out.
    expect(admit(probe.next, settings, 10_000).allowed).toBe(true);
  });

  test("the probe's outcome closes or re-opens the circuit", () => {
    const halfOpen = { ...CLOSED, phase: 'half_open' as const, probeUntil: 10_000 };
    expect(recordOutcome(halfOpen, settings, true, 7_000)).toMatchObject({ phase: 'closed', failures: 0 });
    expect(recordOutcome(halfOpen, settings, false, 7_000)).toMatchObject({ phase: 'open', openUntil: 12_000 });
  });
});

describe.each(['sqlite', 'redis'] as const)('the shared circuit store on %s', (kind) => {
  let redis: RedisServer | undefined;
  let stores: CircuitStore[];

  beforeAll(async () => {
    redis = kind === 'redis' ? await startRedisServer() : undefined;
    const url = redis
      ? ({ kind: 'redis', url: redis.url } as const)
      : ({ kind: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'circuits-')), 'counters.sqlite') } as const);
    // Two stores on one backend stand for two workers.
    stores = [await createCircuitStore(url, settings), await createCircuitStore(url, settings)];
  });
  afterAll(async () => {
    for (const store of stores ?? []) await store.close();
    await redis?.stop();
  });

  test('failures recorded by one worker open the circuit for another, and only one of them gets the probe', async () => {
    const [a, b] = stores as [CircuitStore, CircuitStore];
    await a.record('p:m', false, 1_000);
    await b.record('p:m', false, 1_000);
    await a.record('p:m', false, 1_000);
    expect(await b.isOpen('p:m', 2_000)).toBe(true);
    expect(await b.admit('p:m', 2_000)).toBe(false);

    const probes = await Promise.all([a.admit('p:m', 6_000), b.admit('p:m', 6_000), a.admit('p:m', 6_000)]);
    expect(probes.filter(Boolean)).toHaveLength(1);
    await b.record('p:m', true, 6_500);
    expect(await a.admit('p:m', 6_600)).toBe(true);
    expect((await a.list()).find((c) => c.key === 'p:m')).toMatchObject({ phase: 'closed' });
  });
});
