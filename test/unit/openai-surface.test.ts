import { z } from 'zod';
import { createOpenAIAdapter } from '../../activities/providers/openai/adapter';
import { toChatCompletion, toOpenAIRequest } from '../../activities/providers/openai/wire';
import { ProviderError } from '../../activities/providers/provider-error';
import { type ChatRequest } from '../../src/contract/chat';
import { FailureType } from '../../src/contract/failure-types';
import { type MockProviderHandle, startMockProvider } from '../../src/mock-provider';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
    strict: true,
  },
};

/** A request using every field of the normalised surface. */
const everything: ChatRequest = {
  model: 'alias',
  messages: [
    { role: 'developer', content: 'Answer briefly.', name: 'ops' },
    { role: 'system', content: [{ type: 'text', text: 'You are a weather bot.' }] },
    {
      role: 'user',
      name: 'ann',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
        { type: 'file', file: { file_id: 'file-abc' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
    { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot do that.' }], refusal: 'I cannot do that.' },
    { role: 'user', content: 'Then just the weather, as JSON.' },
  ],
  temperature: 0.2,
  top_p: 0.9,
  max_tokens: 50,
  stop: ['END'],
  seed: 7,
  user: 'user-42',
  n: 2,
  presence_penalty: 0.5,
  frequency_penalty: -0.5,
  logit_bias: { '1234': -100 },
  logprobs: true,
  top_logprobs: 3,
  tools: [weatherTool],
  tool_choice: { type: 'function', function: { name: 'get_weather' } },
  parallel_tool_calls: false,
  response_format: {
    type: 'json_schema',
    json_schema: { name: 'weather', schema: { type: 'object', properties: {} }, strict: true },
  },
  reasoning_effort: 'low',
  service_tier: 'flex',
  store: true,
  metadata: { team: 'weather' },
};

function expectProviderError(fn: () => unknown, type: FailureType): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ProviderError);
  expect((thrown as ProviderError).type).toBe(type);
}

describe('OpenAI request translation of the whole surface', () => {
  it('sends every field of the request to OpenAI as the caller gave it', () => {
    const body = toOpenAIRequest('openai', 'gpt-4o', everything);
    const { messages: _sent, model: _alias, max_tokens: _limit, ...fields } = everything;
    expect(body).toEqual({
      ...fields,
      model: 'gpt-4o',
      max_completion_tokens: 50,
      messages: everything.messages,
    });
  });

  it('sends tools, tool choice and response format as copies, so the request cannot be changed through them', () => {
    const body = toOpenAIRequest('openai', 'gpt-4o', everything);
    expect(body.tools?.[0]).not.toBe(everything.tools?.[0]);
    expect(body.tools?.[0]).toEqual(weatherTool);
  });

  it('to a compatible server, sends the same fields with max_tokens and developer turned into system', () => {
    const body = toOpenAIRequest('openai-compatible', 'llama3', everything);
    expect(body).toMatchObject({
      max_tokens: 50,
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: everything.response_format,
      logprobs: true,
      top_logprobs: 3,
      n: 2,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      logit_bias: { '1234': -100 },
      seed: 7,
      stop: ['END'],
      user: 'user-42',
    });
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(body.messages[0]).toEqual({ role: 'system', content: 'Answer briefly.', name: 'ops' });
    expect(body.messages.slice(1)).toEqual(everything.messages.slice(1));
  });

  it('sends an assistant message that only calls tools with null content', () => {
    const body = toOpenAIRequest('openai', 'gpt-4o', {
      model: 'alias',
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c', content: [{ type: 'text', text: 'ok' }] },
      ],
    });
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
    });
    expect(body.messages[2]).toEqual({ role: 'tool', tool_call_id: 'c', content: [{ type: 'text', text: 'ok' }] });
  });

  it('leaves out what the request does not set, keeping only the output limit', () => {
    const body = toOpenAIRequest(
      'openai',
      'gpt-4o',
      { model: 'alias', messages: [{ role: 'user', content: 'Hi' }] },
      99,
    );
    expect(body).toEqual({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 99 });
  });

  it('sends json_object and text response formats unchanged', () => {
    const base: ChatRequest = { model: 'a', messages: [{ role: 'user', content: 'json please' }] };
    expect(toOpenAIRequest('openai', 'm', { ...base, response_format: { type: 'json_object' } })).toMatchObject({
      response_format: { type: 'json_object' },
    });
    expect(toOpenAIRequest('openai', 'm', { ...base, response_format: { type: 'text' } })).toMatchObject({
      response_format: { type: 'text' },
    });
    expect(toOpenAIRequest('openai', 'm', { ...base, tool_choice: 'required', tools: [weatherTool] })).toMatchObject({
      tool_choice: 'required',
    });
  });
});

describe('OpenAI response normalisation of the whole surface', () => {
  const tokenLogprob = {
    token: 'Hi',
    logprob: -0.1,
    bytes: [72, 105],
    top_logprobs: [
      { token: 'Hi', logprob: -0.1, bytes: [72, 105] },
      { token: 'Hey', logprob: -2.5, bytes: null },
    ],
  };
  const raw = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-4o-2024-08-06',
    service_tier: 'flex',
    system_fingerprint: 'fp_1',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'custom', custom: { name: 'grammar', input: 'x' } },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
      {
        index: 1,
        message: { role: 'assistant', content: 'Hi', refusal: null },
        logprobs: { content: [tokenLogprob], refusal: null },
        finish_reason: 'stop',
      },
      {
        index: 2,
        message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
        logprobs: { content: null, refusal: [tokenLogprob] },
        finish_reason: 'content_filter',
      },
      { index: 3, message: { role: 'assistant', content: 'Once upon' }, finish_reason: 'length' },
    ],
    usage: {
      prompt_tokens: 100,
      completion_tokens: 40,
      total_tokens: 140,
      prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 30, audio_tokens: 0, accepted_prediction_tokens: 0 },
    },
  };

  it('keeps every choice with its function calls, refusal, finish reason and logprobs', () => {
    const completion = toChatCompletion(raw, 'gpt-4o');
    expect(completion.choices).toHaveLength(4);
    const [calls, text, refusal, cut] = completion.choices;
    expect(calls).toMatchObject({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
    // Only function calls: the normalised surface offers no other kind of tool.
    expect(calls?.message.tool_calls).toHaveLength(1);
    expect(text).toMatchObject({ index: 1, message: { content: 'Hi' }, finish_reason: 'stop' });
    expect(text?.logprobs).toEqual({ content: [tokenLogprob], refusal: null });
    expect(text?.message.tool_calls).toBeUndefined();
    expect(refusal).toMatchObject({
      message: { content: null, refusal: 'I cannot help with that.' },
      finish_reason: 'content_filter',
      logprobs: { content: null, refusal: [tokenLogprob] },
    });
    expect(cut).toMatchObject({ index: 3, message: { content: 'Once upon', refusal: null }, finish_reason: 'length' });
    expect(cut?.logprobs).toBeNull();
  });

  it('keeps the usage with cached and reasoning token details, the service tier and the fingerprint', () => {
    const completion = toChatCompletion(raw, 'gpt-4o');
    expect(completion.usage).toEqual(raw.usage);
    expect(completion).toMatchObject({
      id: 'chatcmpl-1',
      model: 'gpt-4o-2024-08-06',
      created: 1700000000,
      service_tier: 'flex',
      system_fingerprint: 'fp_1',
    });
  });

  it('reads the legacy function_call finish reason as tool_calls', () => {
    const completion = toChatCompletion(
      { choices: [{ message: { content: null }, finish_reason: 'function_call' }] },
      'm',
    );
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('leaves out an empty tool_calls list, as some compatible servers send one', () => {
    const completion = toChatCompletion({ choices: [{ message: { content: 'x', tool_calls: [] } }] }, 'm');
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(JSON.parse(JSON.stringify(completion))).not.toHaveProperty('choices.0.message.tool_calls');
  });

  it('drops logprob entries that lack a token or a number', () => {
    const completion = toChatCompletion(
      {
        choices: [
          {
            message: { content: 'x' },
            logprobs: { content: [{ token: 'x', logprob: -1, top_logprobs: 'bad' }, { token: 5 }] },
          },
        ],
      },
      'm',
    );
    expect(completion.choices[0]?.logprobs).toEqual({
      content: [{ token: 'x', logprob: -1, bytes: null, top_logprobs: [] }],
      refusal: null,
    });
  });

  it('rejects a tool call without an id, a name or arguments as MALFORMED_RESPONSE', () => {
    const choice = (call: unknown): unknown => ({ choices: [{ message: { content: null, tool_calls: [call] } }] });
    expectProviderError(
      () => toChatCompletion(choice({ type: 'function', function: { name: 'f', arguments: '{}' } }), 'm'),
      FailureType.MalformedResponse,
    );
    expectProviderError(
      () => toChatCompletion(choice({ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }), 'm'),
      FailureType.MalformedResponse,
    );
    expectProviderError(
      () => toChatCompletion({ choices: [{ message: { tool_calls: 'x' } }] }, 'm'),
      FailureType.MalformedResponse,
    );
  });
});

describe('the OpenAI adapter over HTTP, against the mock', () => {
  let mock: MockProviderHandle;

  beforeAll(async () => {
    mock = await startMockProvider({ port: 0 });
  });

  afterAll(async () => {
    await mock.close();
  });

  const adapter = (type: 'openai' | 'openai-compatible') =>
    createOpenAIAdapter(type, { baseUrl: `${mock.url}/openai/v1`, apiKey: 'sk-adapter', timeoutMs: 5000 });

  it.each(['openai', 'openai-compatible'] as const)(
    'completes a tool-calling loop as %s, with the call id round-tripping',
    async (type) => {
      const request: ChatRequest = {
        model: 'alias',
        messages: [{ role: 'user', content: 'Weather in Paris' }],
        tools: [weatherTool],
        parallel_tool_calls: false,
        max_tokens: 100,
      };
      const first = await adapter(type).chat({ model: 'gpt-4o', request });
      const choice = first.choices[0];
      expect(choice).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, refusal: null } });
      const call = choice?.message.tool_calls?.[0];
      if (call === undefined) throw new Error('expected a tool call');
      expect(z.object({ city: z.string() }).parse(JSON.parse(call.function.arguments))).toBeDefined();

      const second = await adapter(type).chat({
        model: 'gpt-4o',
        request: {
          ...request,
          messages: [
            ...request.messages,
            { role: 'assistant', content: null, tool_calls: [call] },
            { role: 'tool', tool_call_id: call.id, content: 'sunny' },
          ],
        },
      });
      expect(second.choices[0]).toMatchObject({
        finish_reason: 'stop',
        message: { content: 'Mock reply (gpt-4o): get_weather returned sunny' },
      });
    },
  );

  it('brings back every choice with logprobs, a JSON answer and the usage details', async () => {
    const completion = await adapter('openai').chat({
      model: 'gpt-4o',
      request: {
        model: 'alias',
        messages: [{ role: 'user', content: 'Rate this' }],
        n: 2,
        logprobs: true,
        top_logprobs: 1,
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'rating',
            strict: true,
            schema: {
              type: 'object',
              properties: { stars: { type: 'integer', minimum: 1, maximum: 5 } },
              required: ['stars'],
              additionalProperties: false,
            },
          },
        },
        service_tier: 'priority',
        reasoning_effort: 'low',
        store: true,
        metadata: { team: 'ratings' },
        seed: 3,
        presence_penalty: 0.1,
        frequency_penalty: 0.1,
        logit_bias: { '42': 1 },
      },
    });

    expect(completion.choices).toHaveLength(2);
    expect(JSON.parse(completion.choices[1]?.message.content ?? '')).toEqual({ stars: 1 });
    expect(completion.choices[0]?.logprobs?.content?.[0]).toMatchObject({ token: '{"stars":1}', top_logprobs: [{}] });
    expect(completion.service_tier).toBe('priority');
    expect(completion.usage).toMatchObject({
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });
});
