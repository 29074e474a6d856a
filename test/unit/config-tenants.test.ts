import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, hashApiKey, loadConfig } from '../../src/config';

// Like the harness's helpers, without loading the Temporal worker into a pure unit test.
function configFileEnv(contents: Record<string, unknown>): Record<string, string> {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'switchyard.json');
  writeFileSync(path, JSON.stringify(contents));
  return { SWITCHYARD_CONFIG: path };
}

function tenant(id: string, settings: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiKeys: [hashApiKey(`sk-test-${id}`)], ...settings };
}

/** A provider, so that catalogue models and a default route exist. */
const PROVIDER_ENV = { OPENAI_API_KEY: 'sk-1', OPENAI_BASE_URL: 'http://127.0.0.1:9/openai/v1' };

function problemsOf(file: Record<string, unknown>, env: Record<string, string> = {}): string[] {
  try {
    loadConfig({ ...PROVIDER_ENV, ...configFileEnv(file), ...env });
  } catch (err) {
    if (err instanceof ConfigError) {
      // The problems are what the process prints before it stops.
      expect(err.message).toContain(err.problems[0]);
      return err.problems;
    }
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('tenants in the config file', () => {
  test('a valid tenant gets its limits, budget and cache defaults', () => {
    const config = loadConfig({
      ...PROVIDER_ENV,
      ...configFileEnv({
        routes: { cheap: { targets: ['gpt-4o-mini'] } },
        tenants: {
          acme: tenant('acme', {
            limits: { requestsPerMinute: 60 },
            budget: { dailyUsd: 5, onExceeded: 'downgrade', downgradeRoute: 'cheap' },
          }),
        },
        adminApiKeys: [hashApiKey('sk-admin')],
      }),
    });
    expect(config.tenants.acme).toMatchObject({
      apiKeys: [hashApiKey('sk-test-acme')],
      limits: { requestsPerMinute: 60 },
      budget: { dailyUsd: 5, onExceeded: 'downgrade', downgradeRoute: 'cheap' },
      cache: { mode: 'default', cacheNonDeterministic: false, shareAcrossTenants: false },
    });
    expect(config.adminKeyHashes).toEqual([hashApiKey('sk-admin')]);
  });

  test('declared tenants replace the SWITCHYARD_API_KEY tenant, and SWITCHYARD_ADMIN_KEY adds an operator key', () => {
    const config = loadConfig({
      ...PROVIDER_ENV,
      ...configFileEnv({ tenants: { acme: tenant('acme') } }),
      SWITCHYARD_API_KEY: 'sk-env',
      SWITCHYARD_ADMIN_KEY: 'sk-operator',
    });
    expect(Object.keys(config.tenants)).toEqual(['acme']);
    expect(config.adminKeyHashes).toEqual([hashApiKey('sk-operator')]);
  });

  test('a downgradeRoute that does not exist is named with the routes that do', () => {
    const problems = problemsOf({
      tenants: { acme: tenant('acme', { budget: { dailyUsd: 1, onExceeded: 'downgrade', downgradeRoute: 'ghost' } }) },
    });
    expect(problems).toEqual(['tenants.acme.budget.downgradeRoute: unknown route "ghost"; routes: default']);
  });

  test('a negative or zero cap is refused, naming the cap', () => {
    const problems = problemsOf({
      tenants: {
        acme: tenant('acme', { budget: { dailyUsd: -1 } }),
        beta: tenant('beta', { budget: { monthlyUsd: 0 } }),
      },
    });
    expect(problems).toEqual([
      expect.stringMatching(/tenants\.acme\.budget\.dailyUsd: a cap must be greater than 0$/),
      expect.stringMatching(/tenants\.beta\.budget\.monthlyUsd: a cap must be greater than 0$/),
    ]);
  });

  test('onExceeded "downgrade" without a downgradeRoute is refused', () => {
    const problems = problemsOf({ tenants: { acme: tenant('acme', { budget: { onExceeded: 'downgrade' } }) } });
    expect(problems).toEqual([
      expect.stringMatching(/tenants\.acme\.budget\.downgradeRoute: onExceeded "downgrade" needs a downgradeRoute$/),
    ]);
  });

  test('an API key in clear rather than as a sha256 hash is refused with how to hash it', () => {
    const problems = problemsOf({ tenants: { acme: { apiKeys: ['sk-live-in-clear'] } } });
    expect(problems).toEqual([expect.stringMatching(/tenants\.acme\.apiKeys\.0: store API keys as "sha256:/)]);
    expect(problems[0]).not.toContain('sk-live-in-clear');
    expect(problemsOf({ adminApiKeys: ['sha256:abc'] })).toEqual([
      expect.stringMatching(/adminApiKeys\.0: store API keys as "sha256:/),
    ]);
  });

  test('a tenant without any key is refused', () => {
    expect(problemsOf({ tenants: { acme: { apiKeys: [] } } })).toEqual([
      expect.stringMatching(/tenants\.acme\.apiKeys: a tenant needs at least one API key hash$/),
    ]);
  });

  test('the same key for two tenants is refused, naming both', () => {
    const shared = hashApiKey('sk-shared');
    const problems = problemsOf({ tenants: { acme: { apiKeys: [shared] }, beta: { apiKeys: [shared] } } });
    expect(problems).toEqual(['tenants.beta.apiKeys: the same key is also a key of tenant "acme"']);
  });

  test('limits must be positive whole numbers, and unknown tenant settings are reported', () => {
    const problems = problemsOf({
      tenants: { acme: tenant('acme', { limits: { requestsPerMinute: 0, tokensPerMinute: 1.5 }, budgets: {} }) },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/tenants\.acme\.limits\.requestsPerMinute: /),
        expect.stringMatching(/tenants\.acme\.limits\.tokensPerMinute: /),
        expect.stringMatching(/tenants\.acme: .*budgets/),
      ]),
    );
  });
});

describe('store URLs', () => {
  test.each([
    ['COUNTERS_URL', 'postgres://db/switchyard'],
    ['CACHE_URL', 'memcached://127.0.0.1:11211'],
    ['CACHE_URL', '.data/cache.sqlite'],
  ])('%s=%s, neither sqlite:// nor redis://, stops start-up naming the variable', (variable, value) => {
    const problems = problemsOf({}, { [variable]: value });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${variable} .*is not a sqlite:// or redis:// URL`))]);
  });

  test('a bad store URL in the config file names its field there', () => {
    const problems = problemsOf({ stores: { countersUrl: 'mysql://db/counters' } });
    expect(problems).toEqual([expect.stringMatching(/stores\.countersUrl.*is not a sqlite:\/\/ or redis:\/\/ URL/)]);
  });

  test('a Redis password in a refused URL is not printed', () => {
    const problems = problemsOf({}, { CACHE_URL: 'redis://user:hunter2@cache:6379/db' });
    expect(problems).toEqual([expect.stringMatching(/^CACHE_URL .*database number/)]);
    expect(problems[0]).not.toContain('hunter2');
  });

  test('sqlite:// and redis:// URLs are accepted', () => {
    const config = loadConfig({
      ...PROVIDER_ENV,
      CACHE_URL: 'sqlite:///var/lib/switchyard/cache.sqlite',
      COUNTERS_URL: 'redis://127.0.0.1:6379/1',
    });
    expect(config.stores).toEqual({
      cacheUrl: 'sqlite:///var/lib/switchyard/cache.sqlite',
      countersUrl: 'redis://127.0.0.1:6379/1',
    });
  });
});
