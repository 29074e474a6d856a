import type { z } from 'zod';
import { chatCompletionBodySchema, jobBodySchema, toChatRequest } from '../../src/api/schemas';
import { validate } from '../../src/api/validate';
import { HttpError } from '../../src/api/http-error';

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: true,
  },
} as const;

const toolLoop = [
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '18°C and sunny' },
];

/** An object `depth` levels deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let node: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) node = { properties: node };
  return node;
}

/** The 400 `validate` throws for `body`, or null when the body is accepted. */
function rejection(body: unknown, schema: z.ZodType = chatCompletionBodySchema): HttpError | null {
  try {
    validate(schema, body);
    return null;
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
}

const ask = (extra: Record<string, unknown>, messages: unknown[] = [{ role: 'user', content: 'Hi' }]) => ({
  model: 'gpt-4o-mini',
  messages,
  ...extra,
});

describe('the chat request schema accepts the OpenAI surface', () => {
  const valid: Array<[string, unknown]> = [
    ['a two-step tool loop', ask({ tools: [weather], tool_choice: 'auto', parallel_tool_calls: false }, toolLoop)],
    [
      'a tool choice naming an offered tool',
      ask({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }),
    ],
    [
      'a JSON schema response format',
      ask({
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
        },
      }),
    ],
    ['JSON mode', ask({ response_format: { type: 'json_object' } })],
    [
      'an image by URL and a data URI',
      ask({}, [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: PNG } },
          ],
        },
      ]),
    ],
    [
      'audio and a file',
      ask({}, [
        {
          role: 'user',
          content: [
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
          ],
        },
      ]),
    ],
    [
      'sampling and logprob options',
      ask({
        n: 3,
        presence_penalty: -2,
        frequency_penalty: 2,
        logit_bias: { '50256': -100, '15': 100 },
        logprobs: true,
        top_logprobs: 20,
        seed: 7,
        reasoning_effort: 'low',
        service_tier: 'flex',
        stop: 'END',
        max_completion_tokens: 50,
      }),
    ],
    ['stored with OpenAI metadata', ask({ store: true, metadata: { team: 'search' } })],
    ['stream options with streaming', ask({ stream: true, stream_options: { include_usage: true } })],
    [
      'null wherever the OpenAI SDK allows it',
      ask({
        temperature: null,
        top_p: null,
        max_tokens: null,
        stop: null,
        seed: null,
        n: null,
        logprobs: null,
        top_logprobs: null,
        tools: null,
        tool_choice: null,
        response_format: null,
        reasoning_effort: null,
        store: null,
        metadata: null,
        stream: null,
        stream_options: null,
      }),
    ],
  ];
  test.each(valid)('%s', (_name, body) => {
    expect(rejection(body)).toBeNull();
  });

  test('a job body keeps metadata as its labels and accepts the same surface', () => {
    expect(rejection(ask({ tools: [weather], metadata: { a: 'b' } }, toolLoop), jobBodySchema)).toBeNull();
  });
});

describe('a request a provider would reject vaguely gets a 400 naming the field', () => {
  const invalid: Array<[string, unknown, string, RegExp | null]> = [
    [
      'a tool name with spaces',
      ask({ tools: [{ ...weather, function: { ...weather.function, name: 'get weather' } }] }),
      'tools.0.function.name',
      null,
    ],
    [
      'a tool choice naming no offered function',
      ask({ tools: [weather], tool_choice: { type: 'function', function: { name: 'other' } } }),
      'tool_choice.function.name',
      null,
    ],
    [
      'a tool message answering no earlier call',
      ask({ tools: [weather] }, [
        { role: 'user', content: 'Hi' },
        { role: 'tool', tool_call_id: 'call_9', content: 'x' },
      ]),
      'messages.1.tool_call_id',
      null,
    ],
    [
      'assistant tool-call arguments that are not JSON',
      ask({}, [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{city:' } }],
        },
      ]),
      'messages.1.tool_calls.0.function.arguments',
      null,
    ],
    ['top_logprobs over 20', ask({ logprobs: true, top_logprobs: 21 }), 'top_logprobs', null],
    ['top_logprobs without logprobs', ask({ top_logprobs: 2 }), 'top_logprobs', null],
    ['n over 8', ask({ n: 9 }), 'n', null],
    ['n of 0', ask({ n: 0 }), 'n', null],
    ['a penalty over 2', ask({ presence_penalty: 2.5 }), 'presence_penalty', null],
    ['a penalty under -2', ask({ frequency_penalty: -3 }), 'frequency_penalty', null],
    ['a logit bias over 100', ask({ logit_bias: { '1': 101 } }), 'logit_bias.1', null],
    ['a logit bias key that is no token id', ask({ logit_bias: { hello: 1 } }), 'logit_bias.hello', null],
    [
      'an http image URL',
      ask({}, [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://example.com/a.png' } }] }]),
      'messages.0.content.0.image_url.url',
      null,
    ],
    [
      'a data URI that is not an image',
      ask({}, [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,aGk=' } }] }]),
      'messages.0.content.0.image_url.url',
      null,
    ],
    ['stream options without streaming', ask({ stream_options: { include_usage: true } }), 'stream_options', null],
    [
      'more than 16 metadata entries',
      ask({ metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }),
      'metadata',
      null,
    ],
    [
      'the deprecated function role',
      ask({}, [{ role: 'function', name: 'f', content: 'x' }]),
      'messages.0.role',
      /use "tools"/,
    ],
    ['the deprecated functions field', ask({ functions: [{ name: 'f' }] }), '', /"functions".*use "tools"/],
    ['the deprecated function_call field', ask({ function_call: 'auto' }), '', /"function_call".*use "tools"/],
    [
      'a tool schema nested thousands of levels deep',
      ask({ tools: [{ type: 'function', function: { name: 'f', parameters: nested(5_000) } }] }),
      'tools.0.function.parameters',
      /at most 64 levels/,
    ],
    ['an empty tools list', ask({ tools: [] }), 'tools', null],
    ['an unknown field', ask({ temperatur: 1 }), '', /temperatur/],
  ];
  test.each(invalid)('%s', (_name, body, field, message) => {
    const error = rejection(body);
    expect(error?.status).toBe(400);
    const fields = (error?.extra.details?.errors as Array<{ field: string }> | undefined)?.map((e) => e.field);
    expect(fields).toContain(field);
    if (message) expect(error?.message).toMatch(message);
  });
});

describe('toChatRequest normalises an accepted body', () => {
  test('null is absent, stop is a list, max_completion_tokens is max_tokens', () => {
    const body = chatCompletionBodySchema.parse(
      ask({ temperature: null, stop: 'END', max_completion_tokens: 40, seed: null, n: 2, tools: null }),
    );
    expect(toChatRequest(body)).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stop: ['END'],
      max_tokens: 40,
      n: 2,
    });
  });

  test('store and OpenAI metadata are kept only with store: true, and metadata only on the chat endpoint', () => {
    const stored = chatCompletionBodySchema.parse(ask({ store: true, metadata: { team: 'a' } }));
    expect(toChatRequest(stored, { forwardMetadata: true })).toMatchObject({ store: true, metadata: { team: 'a' } });
    expect(toChatRequest(stored)).not.toHaveProperty('metadata');
    const unstored = chatCompletionBodySchema.parse(ask({ store: false, metadata: { team: 'a' } }));
    const request = toChatRequest(unstored, { forwardMetadata: true });
    expect(request).not.toHaveProperty('store');
    expect(request).not.toHaveProperty('metadata');
  });

  test('a tool loop keeps its calls, ids and results', () => {
    const body = chatCompletionBodySchema.parse(ask({ tools: [weather], tool_choice: 'auto' }, toolLoop));
    const request = toChatRequest(body);
    expect(request.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C and sunny' },
    ]);
    expect(request.tools).toEqual([weather]);
    expect(request.tool_choice).toBe('auto');
  });
});
