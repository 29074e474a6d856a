import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheKeyOf } from '../../src/api/cache-key';
import { estimateInputTokens, planJob } from '../../src/api/job-plan';
import { UnsupportedParameterError } from '../../src/api/unsupported-parameter-error';
import { ConfigError, hashApiKey, loadConfig, type Config } from '../../src/config';
import { requiredCapabilities } from '../../src/contract/capabilities';
import type { ChatRequest } from '../../src/contract/chat';
import { estimateCallTokens } from '../../activities/key-pool-selection';

// Like the harness's helpers, without loading the Temporal worker into a pure unit test.
function configWith(file: Record<string, unknown>): Config {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'switchyard.json');
  writeFileSync(path, JSON.stringify(file));
  return loadConfig({
    OPENAI_API_KEY: 'sk-1',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/openai/v1',
    ANTHROPIC_API_KEY: 'a-1',
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/anthropic',
    GEMINI_API_KEY: 'g-1',
    GEMINI_BASE_URL: 'http://127.0.0.1:9/gemini',
    SWITCHYARD_CONFIG: path,
  });
}

const tenants = {
  open: { apiKeys: [hashApiKey('sk-open')] },
  capped: {
    apiKeys: [hashApiKey('sk-capped')],
    budget: { dailyUsd: 10, onExceeded: 'downgrade', downgradeRoute: 'cheap' },
  },
};
const routes = {
  mixed: { targets: ['claude-haiku-4-5', 'gpt-4o-mini', 'gemini-2.5-flash'] },
  claude: { targets: ['claude-haiku-4-5', 'claude-sonnet-4-5'] },
  cheap: { targets: ['claude-haiku-4-5'] },
};

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

function ask(model: string, extra: Partial<ChatRequest> = {}, text = 'Hello'): ChatRequest {
  return { model, messages: [{ role: 'user', content: text }], ...extra };
}

const chain = (config: Config, request: ChatRequest, tenant = 'open') =>
  planJob(config, tenant, request).targets.map((t) => `${t.providerId}:${t.model}`);

function unsupported(run: () => unknown): UnsupportedParameterError {
  try {
    run();
  } catch (err) {
    if (err instanceof UnsupportedParameterError) return err;
    throw err;
  }
  throw new Error('the request was planned');
}

describe('requiredCapabilities names each capability a request needs and the parameter that needs it', () => {
  test('a plain request needs nothing', () => {
    expect(requiredCapabilities(ask('m', { temperature: 0, max_tokens: 5, stop: ['x'], user: 'u' }))).toEqual([]);
  });

  test('tools, structured output, images, sampling and OpenAI extras each name their parameter', () => {
    const request: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: PNG } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
      tools: [weather],
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object' } } },
      logprobs: true,
      n: 2,
      frequency_penalty: 1,
      logit_bias: { '1': 5 },
      seed: 3,
      reasoning_effort: 'low',
      service_tier: 'flex',
      store: true,
    };
    expect(requiredCapabilities(request)).toEqual([
      { capability: 'images', parameter: 'messages[1].content[1].image_url' },
      { capability: 'audio', parameter: 'messages[1].content[2].input_audio' },
      { capability: 'files', parameter: 'messages[1].content[3].file' },
      { capability: 'tools', parameter: 'tools' },
      { capability: 'parallel_tool_calls', parameter: 'parallel_tool_calls' },
      { capability: 'json_schema', parameter: 'response_format.json_schema' },
      { capability: 'logprobs', parameter: 'logprobs' },
      { capability: 'multiple_choices', parameter: 'n' },
      { capability: 'penalties', parameter: 'frequency_penalty' },
      { capability: 'logit_bias', parameter: 'logit_bias' },
      { capability: 'seed', parameter: 'seed' },
      { capability: 'reasoning_effort', parameter: 'reasoning_effort' },
      { capability: 'service_tier', parameter: 'service_tier' },
      { capability: 'store', parameter: 'store' },
    ]);
  });

  test('a tool conversation needs tools even without tools offered; n = 1 and parallel calls allowed need nothing', () => {
    const request: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c', content: 'done' },
      ],
      n: 1,
      parallel_tool_calls: true,
      response_format: { type: 'text' },
    };
    expect(requiredCapabilities(request)).toEqual([{ capability: 'tools', parameter: 'messages[1].tool_calls' }]);
  });
});

describe('the chain of a planned job keeps only targets that can honour the request', () => {
  const config = configWith({ tenants, routes });

  test('logprobs skip Anthropic and Gemini; n > 1 skips Anthropic only', () => {
    expect(chain(config, ask('mixed', { logprobs: true }))).toEqual(['openai:gpt-4o-mini']);
    expect(chain(config, ask('mixed', { n: 2 }))).toEqual(['openai:gpt-4o-mini', 'gemini:gemini-2.5-flash']);
    expect(chain(config, ask('mixed', { tools: [weather] }))).toHaveLength(3);
  });

  test('a temperature above 1 skips Anthropic, whose range ends at 1, and a temperature of 1 does not', () => {
    expect(chain(config, ask('mixed', { temperature: 1.5 }))).toEqual([
      'openai:gpt-4o-mini',
      'gemini:gemini-2.5-flash',
    ]);
    expect(chain(config, ask('mixed', { temperature: 1 }))).toHaveLength(3);
    const error = unsupported(() => planJob(config, 'open', ask('claude', { temperature: 1.5 })));
    expect(error.extra.param).toBe('temperature');
  });

  test('when no target can honour a parameter, a 400 unsupported_parameter names it and every target', () => {
    const error = unsupported(() => planJob(config, 'open', ask('claude', { logprobs: true })));
    expect(error.status).toBe(400);
    expect(error.code).toBe('unsupported_parameter');
    expect(error.extra.param).toBe('logprobs');
    expect(error.message).toContain('"logprobs"');
    expect(error.message).toContain('anthropic:claude-haiku-4-5');
    expect(error.message).toContain('anthropic:claude-sonnet-4-5');
  });

  test('an image part is named by its path', () => {
    const request: ChatRequest = {
      model: 'anthropic:claude-haiku-4-5',
      messages: [
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'mp3' } }] },
      ],
    };
    expect(unsupported(() => planJob(config, 'open', request)).extra.param).toBe('messages[0].content[0].input_audio');
  });

  test('Anthropic cannot combine its own tools with a JSON response format', () => {
    const json = { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object' } } } as const;
    expect(chain(config, ask('claude', { response_format: json }))).toHaveLength(2);
    const error = unsupported(() =>
      planJob(config, 'open', ask('claude', { response_format: json, tools: [weather] })),
    );
    expect(error.extra.param).toBe('response_format.json_schema');
  });

  test('a file by id goes to OpenAI only, and Anthropic takes inline PDFs only', () => {
    const file = (data: { file_id?: string; file_data?: string }): ChatRequest =>
      ask('mixed', { messages: [{ role: 'user', content: [{ type: 'file', file: data }] }] });
    expect(chain(config, file({ file_id: 'file-1' }))).toEqual(['openai:gpt-4o-mini']);
    expect(chain(config, file({ file_data: 'data:application/pdf;base64,JVBERi0=' }))).toHaveLength(3);
    expect(chain(config, file({ file_data: 'data:text/csv;base64,YSxi' }))).toEqual([
      'openai:gpt-4o-mini',
      'gemini:gemini-2.5-flash',
    ]);
  });

  test('a downgrade route that cannot serve the request is left out, so over the cap the job is rejected', () => {
    const plan = planJob(config, 'capped', ask('gpt-4o-mini', { logprobs: true }));
    expect(plan.budget.downgrade).toBeUndefined();
    expect(planJob(config, 'capped', ask('gpt-4o-mini', { tools: [weather] })).budget.downgrade).toBeDefined();
  });

  test('capabilities are overridden per provider and per model in the config file', () => {
    const overridden = configWith({
      tenants,
      routes,
      providers: {
        anthropic: {
          type: 'anthropic',
          baseUrl: 'http://127.0.0.1:9/anthropic',
          keys: [{ alias: 'a', env: 'ANTHROPIC_API_KEY' }],
          capabilities: { seed: true },
        },
      },
      models: {
        'gpt-4o-mini': {
          provider: 'openai',
          inputUsdPerMTok: 0.15,
          outputUsdPerMTok: 0.6,
          capabilities: { logprobs: false },
        },
      },
    });
    expect(chain(overridden, ask('claude', { seed: 1 }))).toHaveLength(2);
    expect(() => chain(config, ask('claude', { seed: 1 }))).toThrow(UnsupportedParameterError);
    expect(unsupported(() => planJob(overridden, 'open', ask('mixed', { logprobs: true }))).message).toContain(
      'openai:gpt-4o-mini',
    );
  });

  test('an unknown capability in the config is an error naming the field', () => {
    expect(() =>
      configWith({
        models: {
          m: { provider: 'openai', inputUsdPerMTok: 1, outputUsdPerMTok: 1, capabilities: { telepathy: true } },
        },
      }),
    ).toThrow(ConfigError);
    expect(() =>
      configWith({
        models: {
          m: { provider: 'openai', inputUsdPerMTok: 1, outputUsdPerMTok: 1, capabilities: { logprobs: 'no' } },
        },
      }),
    ).toThrow(/models\.m\.capabilities\.logprobs/);
  });
});

describe('limits and reservations count the whole surface', () => {
  const config = configWith({ tenants, routes, budgets: { defaultMaxTokens: 100 } });

  test('the output reservation is max_tokens for each of the n choices', () => {
    const plan = planJob(config, 'open', ask('gpt-4o-mini', { n: 3, max_tokens: 50 }));
    expect(plan.tokenEstimate).toBe(estimateInputTokens(ask('gpt-4o-mini')) + 150);
  });

  test('tool schemas, tool calls and tool results add their bytes to the input estimate', () => {
    const plain = estimateInputTokens(ask('m'));
    const withTools = estimateInputTokens(ask('m', { tools: [weather] }));
    expect(withTools - plain).toBe(Buffer.byteLength(JSON.stringify([weather])));
    const loop: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'user', content: 'Hello' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'result text' },
      ],
    };
    expect(estimateInputTokens(loop)).toBeGreaterThanOrEqual(
      plain + 8 + Buffer.byteLength('{"a":1}') + Buffer.byteLength('result text'),
    );
  });

  test('each image costs its model family’s bound from the price table, and other inline data its bytes', () => {
    const image: ChatRequest = {
      model: 'x',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }],
    };
    const base = estimateInputTokens({ ...image, messages: [{ role: 'user', content: [] }] });
    const inputOf = (model: string) => planJob(config, 'open', { ...image, model, max_tokens: 1 }).tokenEstimate - 1;
    expect(inputOf('gpt-4o-mini')).toBe(base + 25_600);
    expect(inputOf('gpt-4.1')).toBe(base + 3_000);
    expect(inputOf('claude-haiku-4-5')).toBe(base + 1_600);
    expect(inputOf('gemini-2.5-flash')).toBe(base + 1_100);
    // A chain is bounded by its dearest target.
    expect(inputOf('mixed')).toBe(base + 25_600);
    const custom = configWith({
      tenants,
      routes,
      models: { vision: { provider: 'openai', model: 'v', inputUsdPerMTok: 1, outputUsdPerMTok: 1, imageTokens: 700 } },
    });
    expect(planJob(custom, 'open', { ...image, model: 'vision', max_tokens: 1 }).tokenEstimate - 1).toBe(base + 700);
    const audio: ChatRequest = {
      model: 'x',
      messages: [
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'A'.repeat(1000), format: 'wav' } }] },
      ],
    };
    expect(estimateInputTokens(audio)).toBe(base + 1000);
  });

  test("the key pool's estimate counts tool schemas, images and every choice", () => {
    const plain = estimateCallTokens(ask('gpt-4o-mini', { max_tokens: 10 }), 100);
    expect(estimateCallTokens(ask('gpt-4o-mini', { max_tokens: 10, n: 4 }), 100)).toBe(plain + 30);
    expect(estimateCallTokens(ask('gpt-4o-mini', { max_tokens: 10, tools: [weather] }), 100)).toBeGreaterThan(
      plain + JSON.stringify([weather]).length / 4 - 1,
    );
    const image = (model: string): ChatRequest => ({
      model,
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }],
    });
    expect(estimateCallTokens(image('claude-haiku-4-5'), 100)).toBe(4 + 1_600 + 10);
    // A route name says nothing of the family: the largest bound.
    expect(estimateCallTokens(image('fast'), 100)).toBe(4 + 25_600 + 10);
  });
});

describe('the cache key covers every field that shapes the answer', () => {
  const base = ask('gpt-4o-mini', { temperature: 0 });
  const variants: Array<[string, ChatRequest]> = [
    ['tools', { ...base, tools: [weather] }],
    ['another tool schema', { ...base, tools: [{ ...weather, function: { ...weather.function, description: 'x' } }] }],
    ['tool_choice', { ...base, tools: [weather], tool_choice: 'required' }],
    ['response_format', { ...base, response_format: { type: 'json_object' } }],
    [
      'an image',
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hello' },
              { type: 'image_url', image_url: { url: PNG } },
            ],
          },
        ],
      },
    ],
    ['n', { ...base, n: 2 }],
    ['logprobs', { ...base, logprobs: true }],
    ['reasoning_effort', { ...base, reasoning_effort: 'high' }],
  ];
  test.each(variants)('a request differing only in %s gets a different key', (_name, variant) => {
    expect(cacheKeyOf('tenant:a', variant)).not.toBe(cacheKeyOf('tenant:a', base));
  });

  test('user labels the caller and does not split the cache', () => {
    expect(cacheKeyOf('tenant:a', { ...base, user: 'someone' })).toBe(cacheKeyOf('tenant:a', base));
  });
});
