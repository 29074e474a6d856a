import Anthropic, { BadRequestError } from '@anthropic-ai/sdk';
import { createAnthropicAdapter } from '../../activities/providers/anthropic/adapter';
import { fromAnthropicMessage, toAnthropicRequest } from '../../activities/providers/anthropic/wire';
import { ProviderError } from '../../activities/providers/provider-error';
import type { ChatMessage, ChatRequest, ChatTool } from '../../src/contract/chat';
import { FailureType } from '../../src/contract/failure-types';
import { type MockProviderHandle, startMockProvider } from '../../src/mock-provider';

// A 1×1 PNG, 70 bytes once decoded.
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PNG_BYTES = Buffer.from(PNG_BASE64, 'base64').length;
const PDF_BASE64 = Buffer.from('%PDF-1.4 mock').toString('base64');

const weatherTool: ChatTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

function request(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', messages, ...extra };
}

function invalidRequestOf(fn: () => unknown): ProviderError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ProviderError);
  expect((thrown as ProviderError).type).toBe(FailureType.InvalidRequest);
  return thrown as ProviderError;
}

describe('Anthropic request translation of the chat surface', () => {
  it('turns user text, image and PDF parts into text, image (base64 and url) and document blocks', () => {
    const body = toAnthropicRequest(
      'claude',
      request([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
            { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF_BASE64}`, filename: 'spec.pdf' } },
          ],
        },
      ]),
    );
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          {
            type: 'document',
            source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 },
            title: 'spec.pdf',
          },
        ],
      },
    ]);
  });

  it.each([
    ['audio input', { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }, /input_audio/],
    ['a file by id', { type: 'file', file: { file_id: 'file-123' } }, /file_id/],
    ['a non-PDF file', { type: 'file', file: { file_data: 'data:text/csv;base64,YQ==' } }, /text\/csv/],
    ['a BMP image', { type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }, /image\/bmp/],
    ['an ftp image URL', { type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }, /https URL/],
  ] as const)('rejects %s as a bad request rather than dropping it', (_name, part, message) => {
    const error = invalidRequestOf(() => toAnthropicRequest('claude', request([{ role: 'user', content: [part] }])));
    expect(error.message).toMatch(message);
  });

  it('turns assistant tool calls into tool_use blocks and merges tool results with the next user message', () => {
    const body = toAnthropicRequest(
      'claude',
      request([
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01A', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: '21°C' }] },
        { role: 'user', content: 'And tomorrow?' },
      ]),
    );
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_b', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01A', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_b', content: '21°C' },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ]);
  });

  it('declares the tools a history called, uncallable, when the request offers none', () => {
    const body = toAnthropicRequest(
      'claude',
      request([
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      ]),
    );
    expect(body.tools).toEqual([{ name: 'get_weather', input_schema: { type: 'object' } }]);
    expect(body.tool_choice).toEqual({ type: 'none' });
  });

  it('rejects tool call arguments that are not a JSON object', () => {
    const call = { id: 'c1', type: 'function' as const, function: { name: 'f', arguments: '[1]' } };
    invalidRequestOf(() => toAnthropicRequest('claude', request([{ role: 'assistant', tool_calls: [call] }])));
  });

  it('sends tools with input_schema, description and strict; a tool without parameters takes no arguments', () => {
    const body = toAnthropicRequest(
      'claude',
      request([{ role: 'user', content: 'Hi' }], {
        tools: [
          { ...weatherTool, function: { ...weatherTool.function, strict: true } },
          { type: 'function', function: { name: 'now' } },
        ],
      }),
    );
    expect(body.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Current weather in a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: true,
      },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(body).not.toHaveProperty('tool_choice');
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, { type: 'tool', name: 'get_weather' }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      false,
      { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    ],
  ] as const)('maps tool_choice %j with parallel_tool_calls %s to %j', (choice, parallel, expected) => {
    const body = toAnthropicRequest(
      'claude',
      request([{ role: 'user', content: 'Hi' }], {
        tools: [weatherTool],
        ...(choice !== undefined && { tool_choice: choice }),
        ...(parallel !== undefined && { parallel_tool_calls: parallel }),
      }),
    );
    expect(body.tool_choice).toEqual(expected);
  });

  it('asks for a JSON schema answer through one forced tool named after the schema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] };
    const body = toAnthropicRequest(
      'claude',
      request([{ role: 'user', content: '2+2?' }], {
        response_format: { type: 'json_schema', json_schema: { name: 'math_answer', schema, strict: true } },
      }),
    );
    expect(body.tools).toEqual([
      { name: 'math_answer', description: expect.any(String) as string, input_schema: schema, strict: true },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'math_answer' });
  });

  it('asks for a JSON object answer through a forced json_answer tool that takes any object', () => {
    const body = toAnthropicRequest(
      'claude',
      request([{ role: 'user', content: 'List fruit as JSON' }], { response_format: { type: 'json_object' } }),
    );
    expect(body.tools).toMatchObject([{ name: 'json_answer', input_schema: { type: 'object' } }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'json_answer' });
  });

  it('rejects tools together with a JSON response format, which one forced tool cannot serve', () => {
    const error = invalidRequestOf(() =>
      toAnthropicRequest(
        'claude',
        request([{ role: 'user', content: 'Hi' }], { tools: [weatherTool], response_format: { type: 'json_object' } }),
      ),
    );
    expect(error.message).toMatch(/response_format/);
  });

  it('leaves a plain text response format as an ordinary request', () => {
    const body = toAnthropicRequest(
      'claude',
      request([{ role: 'user', content: 'Hi' }], { response_format: { type: 'text' } }),
    );
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });
});

describe('Anthropic response translation of the chat surface', () => {
  const base = {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-haiku-4-5',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 4, cache_read_input_tokens: 6 },
  };

  it('turns tool_use blocks into tool calls with their toolu ids and JSON-text arguments', () => {
    const completion = fromAnthropicMessage(
      {
        ...base,
        stop_reason: 'tool_use',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_01X', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_01Y', name: 'now', input: {} },
        ],
      },
      'claude',
    );
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'Let me look.',
        tool_calls: [
          { id: 'toolu_01X', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_01Y', type: 'function', function: { name: 'now', arguments: '{}' } },
        ],
      },
    });
  });

  it('turns the forced structured-output tool call into JSON content that stops normally', () => {
    const completion = fromAnthropicMessage(
      {
        ...base,
        stop_reason: 'tool_use',
        content: [{ type: 'tool_use', id: 'toolu_01Z', name: 'math_answer', input: { answer: 4 } }],
      },
      'claude',
      'math_answer',
    );
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message.content).toBe('{"answer":4}');
    expect(choice?.message).not.toHaveProperty('tool_calls');
  });

  it('reports a refusal as content_filter with the refusal text and no content', () => {
    const completion = fromAnthropicMessage(
      { ...base, stop_reason: 'refusal', content: [{ type: 'text', text: 'I cannot help with that.' }] },
      'claude',
    );
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'content_filter',
      message: { content: null, refusal: 'I cannot help with that.' },
    });
  });

  it('treats pause_turn as a normal stop and counts cache reads as cached prompt tokens', () => {
    const completion = fromAnthropicMessage(
      { ...base, stop_reason: 'pause_turn', content: [{ type: 'text', text: 'Partial.' }] },
      'claude',
    );
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({
      prompt_tokens: 20,
      completion_tokens: 5,
      total_tokens: 25,
      prompt_tokens_details: { cached_tokens: 6 },
    });
  });
});

describe('the Anthropic mock and adapter over HTTP', () => {
  let mock: MockProviderHandle;

  beforeAll(async () => {
    mock = await startMockProvider({ port: 0 });
  });

  afterAll(async () => {
    await mock.close();
  });

  function sdk(): Anthropic {
    return new Anthropic({ apiKey: 'sk-ant-surface', baseURL: `${mock.url}/anthropic`, maxRetries: 0 });
  }

  function adapter(): ReturnType<typeof createAnthropicAdapter> {
    return createAnthropicAdapter({ apiKey: 'sk-ant-surface', baseUrl: `${mock.url}/anthropic`, timeoutMs: 20_000 });
  }

  const sdkWeatherTool: Anthropic.Tool = {
    name: 'get_weather',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  };

  it('when tools are offered, the SDK parses a tool_use answer with a toolu id and stop_reason tool_use', async () => {
    const message = await sdk().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      tools: [sdkWeatherTool],
      messages: [{ role: 'user', content: 'Paris' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      {
        type: 'tool_use',
        id: expect.stringMatching(/^toolu_/) as string,
        name: 'get_weather',
        input: { city: 'Paris' },
      },
    ]);
  });

  it('when a tool is forced, the SDK parses a call of that tool, not of the first one offered', async () => {
    const message = await sdk().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      tools: [
        sdkWeatherTool,
        { name: 'verdict', input_schema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
      ],
      tool_choice: { type: 'tool', name: 'verdict' },
      messages: [{ role: 'user', content: 'Is it fine?' }],
    });
    const [block] = message.content;
    expect(block).toMatchObject({ type: 'tool_use', name: 'verdict', input: { ok: true } });
  });

  it('when the last user message carries an image, the SDK reads an answer that describes it', async () => {
    const message = await sdk().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            { type: 'text', text: 'What is this?' },
          ],
        },
      ],
    });
    expect(message.stop_reason).toBe('end_turn');
    expect(message.content).toEqual([
      {
        type: 'text',
        text: `Mock reply (claude-haiku-4-5): I see an image (image/png, ${PNG_BYTES} bytes). What is this?`,
      },
    ]);
  });

  it('when a tool_result answers no earlier tool_use, the mock rejects it with 400 invalid_request_error', async () => {
    const call = sdk().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      tools: [sdkWeatherTool],
      messages: [
        { role: 'user', content: 'Paris' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_real', name: 'get_weather', input: { city: 'Paris' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_other', content: '18°C' }] },
      ],
    });
    await expect(call).rejects.toBeInstanceOf(BadRequestError);
    await expect(call).rejects.toMatchObject({
      status: 400,
      error: { error: { type: 'invalid_request_error', message: expect.stringContaining('toolu_other') as string } },
    });
  });

  it('when a tool_use is not answered by the next message, or a forced tool is not offered, the mock answers 400', async () => {
    const unanswered = sdk().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      tools: [sdkWeatherTool],
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
        { role: 'user', content: 'Never mind.' },
      ],
    });
    await expect(unanswered).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('toolu_1') as string,
    });
    const unknownTool = sdk().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      tools: [sdkWeatherTool],
      tool_choice: { type: 'tool', name: 'missing' },
      messages: [{ role: 'user', content: 'Hi' }],
    });
    await expect(unknownTool).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('missing') as string,
    });
  });

  it('when the history has tool_use blocks but the request defines no tools, the mock answers 400', async () => {
    const call = sdk().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'rain' }] },
      ],
    });
    await expect(call).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('must define tools') as string,
    });
  });

  it('a two-step tool conversation round-trips its toolu ids through the adapter and the mock', async () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Weather in Lisbon' }];
    const first = await adapter().chat({
      model: 'claude-haiku-4-5',
      request: request(messages, { tools: [weatherTool] }),
    });
    const firstChoice = first.choices[0];
    expect(firstChoice?.finish_reason).toBe('tool_calls');
    const call = firstChoice?.message.tool_calls?.[0];
    expect(call).toMatchObject({ id: expect.stringMatching(/^toolu_/) as string, type: 'function' });
    expect(JSON.parse(call?.function.arguments ?? '')).toEqual({ city: expect.any(String) as string });

    messages.push(
      {
        role: 'assistant',
        content: firstChoice?.message.content ?? null,
        tool_calls: firstChoice?.message.tool_calls ?? [],
      },
      { role: 'tool', tool_call_id: call?.id ?? '', content: '{"celsius":22}' },
    );
    const second = await adapter().chat({
      model: 'claude-haiku-4-5',
      request: request(messages, { tools: [weatherTool] }),
    });
    expect(second.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: `Mock reply (claude-haiku-4-5): ${call?.id ?? ''} returned {"celsius":22}` },
    });
    expect(second.choices[0]?.message).not.toHaveProperty('tool_calls');
  });

  it('a follow-up without tools, after a tool call, is answered from the tool result', async () => {
    const completion = await adapter().chat({
      model: 'claude-haiku-4-5',
      request: request([
        { role: 'user', content: 'Weather in Oslo' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'toolu_prev', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_prev', content: 'snow' },
      ]),
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: 'Mock reply (claude-haiku-4-5): toolu_prev returned snow' },
    });
  });

  it('a json_schema request through the adapter gets JSON content satisfying the schema', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 3 } },
      required: ['city', 'days'],
      additionalProperties: false,
    };
    const completion = await adapter().chat({
      model: 'claude-haiku-4-5',
      request: request([{ role: 'user', content: 'Plan Porto' }], {
        response_format: { type: 'json_schema', json_schema: { name: 'trip', schema, strict: true } },
      }),
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message.tool_calls).toBeUndefined();
    expect(JSON.parse(choice?.message.content ?? '')).toEqual({ city: expect.any(String) as string, days: 3 });
  });

  it('an image data URI through the adapter reaches the mock as an image block', async () => {
    const completion = await adapter().chat({
      model: 'claude-haiku-4-5',
      request: request([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
          ],
        },
      ]),
    });
    expect(completion.choices[0]?.message.content).toBe(
      `Mock reply (claude-haiku-4-5): I see an image (image/png, ${PNG_BYTES} bytes). Describe.`,
    );
  });
});
