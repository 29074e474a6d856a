import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { startHarness, TEST_API_KEY, type Harness } from '../helpers/harness';
import { validateJson, type SchemaNode } from '../helpers/json-schema';
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from '../helpers/recording-proxy';

/**
 * The chat surface an application uses — tools, structured outputs, images, and parameters a target may not
 * honour — through Switchyard with the official openai SDK, against an OpenAI, an Anthropic and a Gemini
 * target on the mock. A recording proxy between Switchyard and the mock shows the provider-native requests.
 */

let harness: Harness;
let proxy: RecordingProxy;
let openai: OpenAI;

beforeAll(async () => {
  proxy = await startRecordingProxy();
  harness = await startHarness({
    api: true,
    // Every provider is reached through the proxy, which forwards to the harness's mock unchanged.
    env: {
      OPENAI_BASE_URL: `${proxy.url}/openai/v1`,
      ANTHROPIC_BASE_URL: `${proxy.url}/anthropic`,
      GEMINI_BASE_URL: `${proxy.url}/gemini`,
    },
    config: {
      routes: {
        'claude-then-openai': { targets: ['claude-haiku-4-5', 'gpt-4o-mini'] },
        'claude-then-gemini': { targets: ['claude-haiku-4-5', 'gemini-2.5-flash'] },
      },
    },
  });
  proxy.setUpstream(harness.mock.url);
  openai = new OpenAI({ baseURL: `${harness.api!.url}/v1`, apiKey: TEST_API_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await harness?.close();
  await proxy?.close();
});

type JsonRecord = Record<string, unknown>;

const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every object nested anywhere in `value` (itself included) for which `match` holds, in document order. */
function nodesWhere(value: unknown, match: (node: JsonRecord) => boolean): JsonRecord[] {
  const found: JsonRecord[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (isRecord(node)) {
      if (match(node)) found.push(node);
      for (const child of Object.values(node)) visit(child);
    }
  };
  visit(value);
  return found;
}

/** The provider-native requests to `wire` whose body mentions `marker` (a word unique to one test). */
function providerRequests(wire: Wire, marker: string): RecordedRequest[] {
  return proxy
    .requests()
    .filter((request) => request.path.startsWith(`/${wire}/`) && JSON.stringify(request.body).includes(marker));
}

/** The last provider-native request to `wire` mentioning `marker`; fails the test when there is none. */
function lastProviderRequest(wire: Wire, marker: string): JsonRecord {
  const request = providerRequests(wire, marker).at(-1);
  if (!request || !isRecord(request.body))
    throw new Error(`no ${wire} request mentioning "${marker}" reached the mock`);
  return request.body;
}

type Wire = 'openai' | 'anthropic' | 'gemini';

const TARGETS: Array<{ model: string; wire: Wire }> = [
  { model: 'gpt-4o-mini', wire: 'openai' },
  { model: 'claude-haiku-4-5', wire: 'anthropic' },
  { model: 'gemini-2.5-flash', wire: 'gemini' },
];

const WEATHER_PARAMETERS: SchemaNode = {
  type: 'object',
  properties: {
    city: { type: 'string', description: 'The city to look up' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
  },
  required: ['city', 'unit'],
  additionalProperties: false,
};

const WEATHER_TOOL: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather in a city', parameters: WEATHER_PARAMETERS },
};

/** A 1×1 PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PNG_BYTES = Buffer.from(PNG_BASE64, 'base64').length;

describe.each(TARGETS)('the openai SDK through Switchyard to $model ($wire on the mock)', ({ model, wire }) => {
  test('completes a two-step tool-calling loop, and the tool call id reaches the provider with the result', async () => {
    const marker = `weather-${wire}`;
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: `What is the weather in Lisbon today? (${marker})` },
    ];
    const first = await openai.chat.completions.create({ model, messages, tools: [WEATHER_TOOL] });
    const asked = first.choices[0];
    expect(asked?.finish_reason).toBe('tool_calls');
    const call = asked?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error(`expected a function tool call, got ${JSON.stringify(asked)}`);
    expect(call.function.name).toBe('get_weather');
    expect(call.id).toEqual(expect.any(String));
    expect(call.id.length).toBeGreaterThan(0);
    if (wire === 'anthropic') expect(call.id).toMatch(/^toolu_/);
    const args: unknown = JSON.parse(call.function.arguments);
    expect(validateJson(WEATHER_PARAMETERS, args, WEATHER_PARAMETERS)).toEqual([]);

    // Exactly as an application writes the loop: the assistant message goes back as it came.
    messages.push(asked!.message);
    messages.push({ role: 'tool', tool_call_id: call.id, content: '{"temperature_c":21,"sky":"sunny"}' });
    const second = await openai.chat.completions.create({ model, messages, tools: [WEATHER_TOOL] });
    const answered = second.choices[0];
    expect(answered?.finish_reason).toBe('stop');
    expect(answered?.message.tool_calls ?? []).toEqual([]);
    expect(answered?.message.content).toContain('"temperature_c":21');

    // The provider got the result under the id the SDK saw, in its own wire format.
    const sent = lastProviderRequest(wire, marker);
    if (wire === 'openai') {
      expect(nodesWhere(sent, (node) => node.role === 'tool')).toEqual([
        expect.objectContaining({ tool_call_id: call.id }),
      ]);
      expect(nodesWhere(sent, (node) => Array.isArray(node.tool_calls))[0]?.tool_calls).toEqual([
        expect.objectContaining({ id: call.id }),
      ]);
    } else if (wire === 'anthropic') {
      expect(nodesWhere(sent, (node) => node.type === 'tool_use')).toEqual([
        expect.objectContaining({ id: call.id, name: 'get_weather', input: args }),
      ]);
      expect(nodesWhere(sent, (node) => node.type === 'tool_result')).toEqual([
        expect.objectContaining({ tool_use_id: call.id }),
      ]);
    } else {
      expect(nodesWhere(sent, (node) => isRecord(node.functionCall)).map((part) => part.functionCall)).toEqual([
        expect.objectContaining({ name: 'get_weather', args }),
      ]);
      expect(nodesWhere(sent, (node) => isRecord(node.functionResponse)).map((part) => part.functionResponse)).toEqual([
        expect.objectContaining({ name: 'get_weather', id: call.id }),
      ]);
    }
  });

  test('chat.completions.parse with a zod response format returns a parsed object that validates', async () => {
    const Forecast = z.object({
      city: z.string(),
      days: z.array(
        z.object({
          day: z.enum(['monday', 'tuesday']),
          high_c: z.number(),
          sky: z.object({ summary: z.string(), rain: z.boolean() }),
        }),
      ),
      note: z.string().nullable(),
    });
    const marker = `forecast-${wire}`;
    const prompt = `Give me the forecast for Porto (${marker})`;
    const completion = await openai.chat.completions.parse({
      model,
      messages: [{ role: 'user', content: prompt }],
      response_format: zodResponseFormat(Forecast, 'forecast'),
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message.tool_calls ?? []).toEqual([]);
    const parsed = choice?.message.parsed;
    expect(Forecast.parse(parsed)).toEqual(parsed);
    expect(parsed?.days.length).toBeGreaterThan(0);
    // The mock fills strings with words of the prompt, so the answer is this request's.
    expect(prompt.split(/\s+/)).toContain(parsed?.city);

    const sent = lastProviderRequest(wire, marker);
    if (wire === 'openai') {
      expect(sent.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'forecast' } });
    } else if (wire === 'anthropic') {
      expect(sent.tool_choice).toEqual({ type: 'tool', name: 'forecast' });
      expect(nodesWhere(sent.tools, (node) => node.name === 'forecast')).toEqual([
        expect.objectContaining({ input_schema: expect.objectContaining({ type: 'object' }) }),
      ]);
    } else {
      expect(sent.generationConfig).toMatchObject({ responseMimeType: 'application/json' });
    }
  });

  test('a question about an inline PNG reaches the provider as an image with its media type and bytes', async () => {
    const marker = `png-${wire}`;
    const completion = await openai.chat.completions.create({
      model,
      messages: [
        {
          role: 'user',
          content: [
            // Short, so the mock's echo (cut at 80 characters) still holds the marker after the image description.
            { type: 'text', text: `What is this? (${marker})` },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toContain(`I see an image (image/png, ${PNG_BYTES} bytes).`);
    expect(completion.choices[0]?.message.content).toContain(marker);

    const sent = lastProviderRequest(wire, marker);
    if (wire === 'openai') {
      expect(nodesWhere(sent, (node) => node.type === 'image_url')).toEqual([
        expect.objectContaining({ image_url: expect.objectContaining({ url: `data:image/png;base64,${PNG_BASE64}` }) }),
      ]);
    } else if (wire === 'anthropic') {
      expect(nodesWhere(sent, (node) => node.type === 'image')).toEqual([
        expect.objectContaining({ source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }),
      ]);
    } else {
      expect(nodesWhere(sent, (node) => isRecord(node.inlineData)).map((part) => part.inlineData)).toEqual([
        { mimeType: 'image/png', data: PNG_BASE64 },
      ]);
    }
  });

  test('a question about an image at an https URL reaches the provider as that URL', async () => {
    const marker = `url-image-${wire}`;
    const url = 'https://example.com/photos/harbour.png';
    const completion = await openai.chat.completions.create({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: `Describe this photo (${marker})` },
            { type: 'image_url', image_url: { url } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toContain(`I see an image at ${url}.`);

    const sent = lastProviderRequest(wire, marker);
    if (wire === 'openai') {
      expect(nodesWhere(sent, (node) => node.type === 'image_url')).toEqual([
        expect.objectContaining({ image_url: expect.objectContaining({ url }) }),
      ]);
    } else if (wire === 'anthropic') {
      expect(nodesWhere(sent, (node) => node.type === 'image')).toEqual([
        expect.objectContaining({ source: { type: 'url', url } }),
      ]);
    } else {
      expect(nodesWhere(sent, (node) => isRecord(node.fileData)).map((part) => part.fileData)).toEqual([
        { fileUri: url, mimeType: 'image/png' },
      ]);
    }
  });
});

/** The SDK error a rejected call raised; fails the test when the call succeeded. */
async function rejection(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const outcome = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof OpenAI.APIError)) throw new Error(`expected an API error, got ${String(outcome)}`);
  return outcome;
}

describe('a parameter a target cannot honour', () => {
  test.each([
    { model: 'claude-haiku-4-5', param: 'logprobs', extra: { logprobs: true } },
    { model: 'claude-haiku-4-5', param: 'presence_penalty', extra: { presence_penalty: 0.5 } },
    { model: 'gemini-2.5-flash', param: 'logit_bias', extra: { logit_bias: { '50256': -100 } } },
    {
      model: 'gemini-2.5-flash',
      param: 'parallel_tool_calls',
      extra: { parallel_tool_calls: false, tools: [WEATHER_TOOL] },
    },
  ])(
    '$param on $model alone is a 400 unsupported_parameter naming it, and no provider is called',
    async ({ model, param, extra }) => {
      const marker = `unsupported-${param}-${model}`;
      const err = await rejection(
        openai.chat.completions.create({ model, messages: [{ role: 'user', content: `Hello (${marker})` }], ...extra }),
      );
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.code).toBe('unsupported_parameter');
      expect(`${err.param ?? ''} ${err.message}`).toContain(param);
      expect(err.message).toContain(model);
      for (const wire of ['openai', 'anthropic', 'gemini'] as const) expect(providerRequests(wire, marker)).toEqual([]);
    },
  );

  test('logprobs on a route [anthropic, openai] is answered by openai, which gets logprobs, with no Anthropic call', async () => {
    const marker = 'route-logprobs';
    const { data, response } = await openai.chat.completions
      .create({
        model: 'claude-then-openai',
        messages: [{ role: 'user', content: `How sure are you? (${marker})` }],
        logprobs: true,
        top_logprobs: 2,
      })
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('openai:gpt-4o-mini');
    expect(data.choices[0]?.message.content).toContain(marker);
    expect(lastProviderRequest('openai', marker)).toMatchObject({ logprobs: true, top_logprobs: 2 });
    expect(providerRequests('anthropic', marker)).toEqual([]);
    const served = harness.mock.calls().calls.filter((call) => call.promptHead.includes(marker));
    expect(served.map((call) => call.provider)).toEqual(['openai']);
  });

  test('reasoning_effort on a route [anthropic, gemini] is answered by gemini with the matching thinking budget', async () => {
    const marker = 'route-reasoning';
    const { response } = await openai.chat.completions
      .create({
        model: 'claude-then-gemini',
        messages: [{ role: 'user', content: `Think it through (${marker})` }],
        reasoning_effort: 'low',
      })
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('gemini:gemini-2.5-flash');
    expect(lastProviderRequest('gemini', marker)).toMatchObject({
      generationConfig: { thinkingConfig: { thinkingBudget: 1024 } },
    });
    expect(providerRequests('anthropic', marker)).toEqual([]);
  });

  test('logprobs on a route no target can honour is a 400 naming the parameter and the targets', async () => {
    const marker = 'route-nobody';
    const err = await rejection(
      openai.chat.completions.create({
        model: 'claude-then-gemini',
        messages: [{ role: 'user', content: `Anyone? (${marker})` }],
        logprobs: true,
      }),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('unsupported_parameter');
    expect(`${err.param ?? ''} ${err.message}`).toContain('logprobs');
    expect(err.message).toContain('claude-haiku-4-5');
    expect(err.message).toContain('gemini-2.5-flash');
    for (const wire of ['anthropic', 'gemini'] as const) expect(providerRequests(wire, marker)).toEqual([]);
  });
});
