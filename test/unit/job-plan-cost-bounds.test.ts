import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheKeyOf } from '../../src/api/cache-key';
import { estimateInputTokens, planJob } from '../../src/api/job-plan';
import { UnpricedModelError } from '../../src/api/unpriced-model-error';
import { ConfigError, hashApiKey, loadConfig, type Config } from '../../src/config';
import type { ChatRequest } from '../../src/contract/chat';

// Like the harness's helpers, without loading the Temporal worker into a pure unit test.
function configFileEnv(contents: Record<string, unknown>): Record<string, string> {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'switchyard.json');
  writeFileSync(path, JSON.stringify(contents));
  return { SWITCHYARD_CONFIG: path };
}

const PROVIDER_ENV = {
  OPENAI_API_KEY: 'sk-1',
  OPENAI_BASE_URL: 'http://127.0.0.1:9/openai/v1',
  GEMINI_API_KEY: 'g-1',
  GEMINI_BASE_URL: 'http://127.0.0.1:9/gemini',
};

function configWith(file: Record<string, unknown>): Config {
  return loadConfig({ ...PROVIDER_ENV, ...configFileEnv(file) });
}

const tenants = {
  capped: { apiKeys: [hashApiKey('sk-capped')], budget: { dailyUsd: 10 } },
  monthly: { apiKeys: [hashApiKey('sk-monthly')], budget: { monthlyUsd: 100 } },
  open: { apiKeys: [hashApiKey('sk-open')] },
};

function ask(model: string, text = 'Hello', extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model, messages: [{ role: 'user', content: text }], ...extra };
}

describe('the input token estimate', () => {
  test('when a prompt is CJK and emoji, the estimate is at least its UTF-8 byte count', () => {
    const text = '東京の天気は晴れです。明日も良い天気でしょう。🌞🌧️🎉👍🏽 ありがとう！';
    const bytes = Buffer.byteLength(text, 'utf8');
    expect(bytes).toBeGreaterThan(text.length * 2);
    expect(estimateInputTokens(ask('m', text))).toBeGreaterThanOrEqual(bytes);
  });

  test('each message adds its bytes, its name and a fixed overhead', () => {
    const request: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'naïve ' },
            { type: 'text', text: 'café' },
          ],
          name: 'zoë',
        },
      ],
    };
    // 9 bytes + 4; 7 + 5 bytes of text and 4 of the name + 4.
    expect(estimateInputTokens(request)).toBe(9 + 4 + (7 + 5) + 4 + 4);
  });
});

describe('the output limit of a planned job', () => {
  const config = configWith({ tenants, budgets: { defaultMaxTokens: 300 } });

  test('when the client sends no max_tokens, the request the workflow carries has the configured default', () => {
    const request = ask('gpt-4o-mini');
    const plan = planJob(config, 'capped', request);
    expect(plan.request).toEqual({ ...request, max_tokens: 300 });
    // The reservation assumes exactly that limit: (5 bytes + 4) input and 300 output tokens at $0.15/$0.60.
    expect(plan.budget.estimateUsd).toBeCloseTo((9 * 0.15 + 300 * 0.6) / 1e6, 12);
    expect(plan.tokenEstimate).toBe(9 + 300);
  });

  test("when the client sends max_tokens, the request keeps the client's limit", () => {
    const request = ask('gpt-4o-mini', 'Hello', { max_tokens: 20 });
    expect(planJob(config, 'capped', request).request).toBe(request);
  });

  test('the cache key is computed from the request as the client sent it, not from the default limit', () => {
    const request = ask('gpt-4o-mini', 'Hello', { temperature: 0 });
    const plan = planJob(config, 'capped', request);
    expect(plan.cache?.key).toBe(cacheKeyOf('tenant:capped', request));
    expect(plan.cache?.key).not.toBe(cacheKeyOf('tenant:capped', plan.request));
  });
});

describe('unpriced models', () => {
  test('when a capped tenant asks for an unpriced provider:model, planning refuses with the model and the fix', () => {
    const config = configWith({ tenants });
    for (const tenantId of ['capped', 'monthly']) {
      let thrown: unknown;
      try {
        planJob(config, tenantId, ask('openai:some-model'));
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(UnpricedModelError);
      const message = (thrown as Error).message;
      expect(message).toContain('openai:some-model');
      expect(message).toContain('budgets.unpricedModelPrice');
      expect(message).toContain('providers.openai.unpricedModelPrice');
    }
  });

  test('when a route of a capped tenant has an unpriced target, planning refuses and names the route', () => {
    const config = configWith({ tenants, routes: { mixed: { targets: ['gpt-4o-mini', 'openai:mystery'] } } });
    expect(() => planJob(config, 'capped', ask('mixed'))).toThrow(/"openai:mystery" \(a target of "mixed"\)/);
  });

  test('when the tenant has no cap, an unpriced model keeps no price and reserves nothing', () => {
    const plan = planJob(configWith({ tenants }), 'open', ask('openai:some-model'));
    expect(plan.targets[0]?.price).toBeNull();
    expect(plan.budget.estimateUsd).toBe(0);
  });

  test('with a global worst-case price, a capped tenant reserves the unpriced model at that price', () => {
    const price = { inputUsdPerMTok: 20, outputUsdPerMTok: 80 };
    const config = configWith({ tenants, budgets: { defaultMaxTokens: 100, unpricedModelPrice: price } });
    const plan = planJob(config, 'capped', ask('openai:some-model'));
    expect(plan.targets[0]?.price).toEqual(price);
    expect(plan.budget.estimateUsd).toBeCloseTo((9 * 20 + 100 * 80) / 1e6, 12);
    // Priced models keep their own price.
    expect(planJob(config, 'capped', ask('gpt-4o-mini')).targets[0]?.price).toEqual({
      inputUsdPerMTok: 0.15,
      outputUsdPerMTok: 0.6,
      cachedInputUsdPerMTok: 0.075,
    });
  });

  test("a provider's own worst-case price wins over the global one for that provider's models", () => {
    const config = configWith({
      tenants,
      providers: {
        openai: {
          type: 'openai',
          baseUrl: 'http://127.0.0.1:9/openai/v1',
          keys: [{ alias: 'main', env: 'OPENAI_API_KEY' }],
          unpricedModelPrice: { inputUsdPerMTok: 50, outputUsdPerMTok: 200 },
        },
      },
      budgets: { unpricedModelPrice: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } },
    });
    expect(planJob(config, 'capped', ask('openai:some-model')).targets[0]?.price).toEqual({
      inputUsdPerMTok: 50,
      outputUsdPerMTok: 200,
    });
    expect(planJob(config, 'capped', ask('gemini:some-model')).targets[0]?.price).toEqual({
      inputUsdPerMTok: 1,
      outputUsdPerMTok: 2,
    });
  });

  test('a worst-case price of zero is a config error naming the field', () => {
    let problems: string[] = [];
    try {
      configWith({ budgets: { unpricedModelPrice: { inputUsdPerMTok: 0, outputUsdPerMTok: 1 } } });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    expect(problems).toEqual([expect.stringMatching(/budgets\.unpricedModelPrice\.inputUsdPerMTok: .*greater than 0/)]);
  });
});
