import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, resolveTargets, UnknownModelError } from '../../src/config';
import { configProblems } from '../helpers/config-problems';

function configFile(contents: string, extension = 'yaml'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), `switchyard.${extension}`);
  writeFileSync(path, contents);
  return path;
}

const problemsOf = configProblems;

describe('configuration', () => {
  test('a provider key in the conventional variable is enough to configure that provider with a default route', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-1', OPENAI_BASE_URL: 'http://127.0.0.1:9/openai/v1' });
    expect(config.providers.openai).toMatchObject({
      type: 'openai',
      baseUrl: 'http://127.0.0.1:9/openai/v1',
      keys: [{ alias: 'default', env: 'OPENAI_API_KEY' }],
    });
    expect(config.routes.default).toEqual({ targets: ['gpt-4o-mini'] });
    expect(config.defaultRoute).toBe('default');
    expect(config.api.port).toBe(8080);
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueuePrefix: 'switchyard' });
    expect(config.models['gpt-4o-mini']?.price).toEqual({
      inputUsdPerMTok: 0.15,
      outputUsdPerMTok: 0.6,
      cachedInputUsdPerMTok: 0.075,
    });
    expect(config.models['claude-haiku-4-5']).toBeUndefined();
  });

  test('environment variables override the file, and the file declares providers, models and routes', () => {
    const path = configFile(`
api: { port: 9000 }
providers:
  local:
    type: openai-compatible
    baseUrl: http://127.0.0.1:11434/v1
    keys: [{ alias: ollama, env: OLLAMA_KEY }]
models:
  llama: { provider: local, model: llama3.1:8b, inputUsdPerMTok: 0, outputUsdPerMTok: 0 }
routes:
  cheap: { targets: [llama, 'local:qwen2.5'] }
defaultRoute: cheap
`);
    const config = loadConfig({ SWITCHYARD_CONFIG: path, PORT: '9100' });
    expect(config.api.port).toBe(9100);
    const targets = resolveTargets(config, 'cheap');
    expect(targets.map((t) => `${t.providerId}:${t.model}`)).toEqual(['local:llama3.1:8b', 'local:qwen2.5']);
    expect(targets[0]).toMatchObject({
      keyAlias: 'ollama',
      taskQueue: 'switchyard-provider-local',
      price: { inputUsdPerMTok: 0 },
    });
    expect(targets[1]?.price).toBeNull();
    expect(resolveTargets(config, undefined)).toEqual(targets);
  });

  test('a JSON config file is read as JSON', () => {
    const path = configFile(JSON.stringify({ api: { syncTimeoutSeconds: 30 } }), 'json');
    expect(loadConfig({ SWITCHYARD_CONFIG: path }).api.syncTimeoutSeconds).toBe(30);
  });

  test('an unknown model is rejected with the models that exist', () => {
    const config = loadConfig({ ANTHROPIC_API_KEY: 'k' });
    expect(() => resolveTargets(config, 'gpt-4o')).toThrow(UnknownModelError);
    expect(() => resolveTargets(config, 'gpt-4o')).toThrow(/claude-haiku-4-5/);
    expect(resolveTargets(config, 'anthropic:claude-3-opus')[0]).toMatchObject({
      providerId: 'anthropic',
      price: null,
    });
  });

  test('a bad value stops start-up with a message naming the field', () => {
    expect(problemsOf({ PORT: 'eighty' })).toEqual([expect.stringMatching(/^PORT: /)]);
    expect(problemsOf({ OPENAI_BASE_URL: 'not a url', OPENAI_API_KEY: 'k' })).toEqual([
      expect.stringMatching(/^OPENAI_BASE_URL: .*URL/),
    ]);
    const badProvider = configFile(`
providers:
  openai: { type: openai, keys: [], timeoutMs: -5 }
`);
    const problems = problemsOf({ SWITCHYARD_CONFIG: badProvider });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/providers\.openai\.keys: list at least one key/),
        expect.stringMatching(/providers\.openai\.timeoutMs: /),
      ]),
    );
  });

  test('a provider called locally cannot have a server-enforced rate; without one it is called locally', () => {
    const both = configFile(`
providers:
  openai: { type: openai, keys: [{ alias: main, env: OPENAI_API_KEY }], maxCallsPerSecond: 5, calls: local }
`);
    expect(problemsOf({ SWITCHYARD_CONFIG: both, OPENAI_API_KEY: 'k' })).toEqual([
      expect.stringMatching(/providers\.openai\.calls: .*maxCallsPerSecond/),
    ]);
    const config = loadConfig({ OPENAI_API_KEY: 'k' });
    expect(resolveTargets(config, 'gpt-4o-mini')[0]).toMatchObject({ providerId: 'openai', callLocally: true });
    const queued = configFile(`
providers:
  openai: { type: openai, keys: [{ alias: main, env: OPENAI_API_KEY }], maxCallsPerSecond: 5 }
`);
    const target = resolveTargets(loadConfig({ SWITCHYARD_CONFIG: queued, OPENAI_API_KEY: 'k' }), 'openai:gpt-4o-mini');
    expect(target[0]?.callLocally).toBeUndefined();
  });

  test('references to things that do not exist are named with what does', () => {
    const path = configFile(`
models:
  mine: { provider: nowhere, inputUsdPerMTok: 1, outputUsdPerMTok: 1 }
routes:
  main: { targets: [gpt-4o-mini, 'ghost:model'] }
defaultRoute: missing
`);
    const problems = problemsOf({ SWITCHYARD_CONFIG: path, OPENAI_API_KEY: 'k' });
    expect(problems).toEqual([
      'models.mine.provider: unknown provider "nowhere"; configured providers: openai',
      'routes.main.targets.1: provider "ghost" is not configured; configured providers: openai',
      expect.stringMatching(/^defaultRoute: unknown route "missing"/),
    ]);
  });

  test('an unknown field in the file is reported rather than ignored', () => {
    const path = configFile('api: { prot: 8080 }\n');
    expect(problemsOf({ SWITCHYARD_CONFIG: path })).toEqual([expect.stringMatching(/api.*prot/)]);
  });

  test('a missing or unparsable file is named', () => {
    expect(problemsOf({ SWITCHYARD_CONFIG: '/nonexistent/switchyard.yaml' })[0]).toMatch(
      /^SWITCHYARD_CONFIG: cannot read/,
    );
    expect(problemsOf({ SWITCHYARD_CONFIG: configFile('api: [unclosed') })[0]).toMatch(/not valid YAML/);
  });
});
