import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planJob } from '../../src/api/job-plan';
import { UncacheableRequestError } from '../../src/api/uncacheable-request-error';
import { hashApiKey, loadConfig, type Config } from '../../src/config';
import type { ChatRequest } from '../../src/contract/chat';

// Like the harness's helpers, without loading the Temporal worker into a pure unit test.
function configWith(file: Record<string, unknown>): Config {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'switchyard.json');
  writeFileSync(path, JSON.stringify(file));
  return loadConfig({
    OPENAI_API_KEY: 'sk-1',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/openai/v1',
    SWITCHYARD_CONFIG: path,
  });
}

const config = configWith({
  tenants: {
    only: { apiKeys: [hashApiKey('sk-only')], cache: { mode: 'only' } },
    'only-all': { apiKeys: [hashApiKey('sk-only-all')], cache: { mode: 'only', cacheNonDeterministic: true } },
  },
});

function ask(extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], ...extra };
}

describe('a tenant whose cache mode is "only"', () => {
  test.each([
    ['a temperature above 0', { temperature: 0.7 }],
    ['no temperature', {}],
  ])('a request with %s, which is never cached, is refused rather than planned as a provider call', (_, extra) => {
    expect(() => planJob(config, 'only', ask(extra))).toThrow(UncacheableRequestError);
  });

  test('a deterministic request is planned as a cache-only lookup', () => {
    expect(planJob(config, 'only', ask({ temperature: 0 })).cache).toMatchObject({ mode: 'only' });
  });

  test('with cacheNonDeterministic, a request with a temperature is planned as a cache-only lookup', () => {
    expect(planJob(config, 'only-all', ask({ temperature: 0.7 })).cache).toMatchObject({ mode: 'only' });
  });

  test('a request that names its own cache mode is planned with that mode', () => {
    expect(planJob(config, 'only', ask({ temperature: 0.7 }), { mode: 'default' }).cache).toMatchObject({
      mode: 'default',
    });
  });
});
