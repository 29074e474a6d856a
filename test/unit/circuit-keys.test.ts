import { circuitKey, configuredCircuitModels } from '../../activities/circuit-guard';
import { loadConfig } from '../../src/config';
import { mockProviderEnv } from '../../src/dev/mock-provider-env';

const config = loadConfig({ ...mockProviderEnv('http://127.0.0.1:1'), SWITCHYARD_API_KEY: 'sk-test' });
const models = configuredCircuitModels(config.models);

describe('circuit keys', () => {
  test('a configured model has a circuit of its own', () => {
    expect(circuitKey(models, 'openai', 'gpt-4o-mini')).toBe('openai:gpt-4o-mini');
    expect(circuitKey(models, 'anthropic', 'claude-haiku-4-5')).toBe('anthropic:claude-haiku-4-5');
  });

  test("when requests name any number of unconfigured models, they all share their provider's one circuit", () => {
    const keys = new Set(Array.from({ length: 1_000 }, (_, i) => circuitKey(models, 'openai', `made-up-model-${i}`)));
    expect([...keys]).toEqual(['openai:*']);
  });

  test('the table is bounded by the config: one circuit per configured model, plus one shared per provider', () => {
    const providers = Object.keys(config.providers);
    const requested = [
      ...Object.values(config.models).map((m) => [m.provider, m.model] as const),
      ...providers.flatMap((p) => Array.from({ length: 50 }, (_, i) => [p, `pass-through-${i}`] as const)),
    ];
    const keys = new Set(requested.map(([provider, model]) => circuitKey(models, provider, model)));
    expect(keys.size).toBe(models.size + providers.length);
  });
});
