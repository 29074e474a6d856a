import { createKeyStateStore } from '../../src/stores/key-state/open';
import type { KeyStateStore } from '../../src/stores/key-state/contract';
import { parseStoreUrl } from '../../src/contract/store-url';
import { startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

const ADMIN = 'sk-test-admin';
let harness: Harness;
let keyState: KeyStateStore;

beforeAll(async () => {
  harness = await startHarness({ api: true, worker: false, env: { SWITCHYARD_ADMIN_KEY: ADMIN } });
  keyState = await createKeyStateStore(parseStoreUrl('COUNTERS_URL', harness.config.stores.countersUrl));
});
afterAll(async () => {
  await keyState?.close();
  await harness?.close();
});

test('an operator sees a key that is out of quota and brings it back', async () => {
  const url = harness.api!.url;
  await keyState.markOut('openai', 'default', Date.now() + 3_600_000);
  const before = await api(url, 'GET', '/v1/admin/providers/openai/keys', { key: ADMIN });
  expect(before.status).toBe(200);
  expect(before.body.data).toEqual([expect.objectContaining({ alias: 'default', state: 'out' })]);

  const restored = await api(url, 'POST', '/v1/admin/providers/openai/keys/default/restore', { key: ADMIN });
  expect(restored.body).toEqual({ provider: 'openai', alias: 'default', state: 'available' });
  const after = await api(url, 'GET', '/v1/admin/providers/openai/keys', { key: ADMIN });
  expect(after.body.data).toEqual([expect.objectContaining({ alias: 'default', state: 'available', out_until: null })]);
});

test('unknown providers and aliases are 404s, and tenants may not use these endpoints', async () => {
  const url = harness.api!.url;
  expect((await api(url, 'GET', '/v1/admin/providers/nope/keys', { key: ADMIN })).body.code).toBe('provider_not_found');
  expect((await api(url, 'POST', '/v1/admin/providers/openai/keys/nope/restore', { key: ADMIN })).body.code).toBe(
    'key_not_found',
  );
  expect((await api(url, 'GET', '/v1/admin/providers/openai/keys')).status).toBe(403);
});
