import { randomUUID } from 'node:crypto';
import { createClient } from '@redis/client';
import Database from 'better-sqlite3';
import type { CircuitSettings, CircuitStore } from '../../src/stores/circuits/contract';
import { createCircuitStore } from '../../src/stores/circuits/open';
import { storeKinds } from '../helpers/store-kinds';

const stores = storeKinds('switchyard-circuits-', 'counters.sqlite');
const { kinds } = stores;

const settings: CircuitSettings = {
  failureRatio: 0.5,
  minRequests: 4,
  consecutiveFailures: 2,
  windowSeconds: 10,
  openSeconds: 5,
  probeSeconds: 5,
};

describe.each(kinds)('the circuit store on %s', (_kind, url) => {
  let circuits: CircuitStore;
  let key: string;

  beforeAll(async () => {
    circuits = await createCircuitStore(url(), settings);
  });

  afterAll(async () => {
    await circuits?.close();
  });

  beforeEach(() => {
    key = `provider-${randomUUID()}:model`;
  });

  test('a circuit nothing was recorded for is closed, admits calls and is not listed', async () => {
    await expect(circuits.isOpen(key, 1_000)).resolves.toBe(false);
    await expect(circuits.admit(key, 1_000)).resolves.toBe(true);
    expect((await circuits.list()).map((c) => c.key)).not.toContain(key);
  });

  test('recording outcomes returns the record after each, and opens the circuit on a run of failures', async () => {
    await expect(circuits.record(key, true, 1_000)).resolves.toMatchObject({ phase: 'closed', requests: 1 });
    await expect(circuits.record(key, false, 1_100)).resolves.toMatchObject({ phase: 'closed', failures: 1 });
    await expect(circuits.record(key, false, 1_200)).resolves.toMatchObject({
      phase: 'open',
      openedAt: 1_200,
      openUntil: 6_200,
    });
    await expect(circuits.isOpen(key, 6_199)).resolves.toBe(true);
    await expect(circuits.admit(key, 6_199)).resolves.toBe(false);
  });

  test('asking whether a circuit is open takes no probe lease', async () => {
    await circuits.record(key, false, 1_000);
    await circuits.record(key, false, 1_000);
    await expect(circuits.isOpen(key, 7_000)).resolves.toBe(false);
    await expect(circuits.admit(key, 7_000)).resolves.toBe(true);
    // The probe holds its lease: the circuit reads as open, and nobody else is let through until it ends.
    await expect(circuits.isOpen(key, 7_100)).resolves.toBe(true);
    await expect(circuits.admit(key, 7_100)).resolves.toBe(false);
    await expect(circuits.admit(key, 12_000)).resolves.toBe(true);
  });

  test('a failed probe opens the circuit again, a successful one closes it', async () => {
    await circuits.record(key, false, 1_000);
    await circuits.record(key, false, 1_000);
    await circuits.admit(key, 6_000);
    await expect(circuits.record(key, false, 6_100)).resolves.toMatchObject({ phase: 'open', openUntil: 11_100 });
    await circuits.admit(key, 11_100);
    await expect(circuits.record(key, true, 11_200)).resolves.toMatchObject({ phase: 'closed', requests: 0 });
  });

  test('list shows every circuit with its record, sorted by key', async () => {
    const [first, second] = [`${key}:a`, `${key}:b`];
    await circuits.record(second, false, 1_000);
    await circuits.record(first, true, 1_000);
    const listed = (await circuits.list()).filter((c) => c.key.startsWith(key));
    expect(listed).toEqual([
      expect.objectContaining({ key: first, phase: 'closed', requests: 1, failures: 0 }),
      expect.objectContaining({ key: second, phase: 'closed', requests: 1, failures: 1 }),
    ]);
  });

  test('ping answers while the store is reachable', async () => {
    await expect(circuits.ping()).resolves.toBeUndefined();
  });
});

describe('where the circuit store keeps its records', () => {
  test('on SQLite, one row per circuit in the circuit_breakers table', async () => {
    const circuits = await createCircuitStore(stores.sqliteUrl, settings);
    try {
      await circuits.record('openai:gpt-4o', false, 1_000);
      const db = new Database(stores.sqliteUrl.path, { readonly: true });
      try {
        const row = db
          .prepare<[string], { record: string }>('SELECT record FROM circuit_breakers WHERE key = ?')
          .get('openai:gpt-4o');
        expect(JSON.parse(row?.record ?? 'null')).toMatchObject({ phase: 'closed', failures: 1 });
      } finally {
        db.close();
      }
    } finally {
      await circuits.close();
    }
  });

  test('on Redis, under switchyard:circuit:<key>, kept about a week after its last change', async () => {
    const circuits = await createCircuitStore({ kind: 'redis', url: stores.redis().url }, settings);
    const client = createClient({ url: stores.redis().url });
    await client.connect();
    try {
      await circuits.record('openai:gpt-4o', false, 1_000);
      const raw = await client.get('switchyard:circuit:openai:gpt-4o');
      expect(JSON.parse(raw ?? 'null')).toMatchObject({ phase: 'closed', failures: 1 });
      const ttl = await client.ttl('switchyard:circuit:openai:gpt-4o');
      expect(ttl).toBeGreaterThan(6 * 86_400);
      expect(ttl).toBeLessThanOrEqual(7 * 86_400);
    } finally {
      await client.close();
      await circuits.close();
    }
  });
});
