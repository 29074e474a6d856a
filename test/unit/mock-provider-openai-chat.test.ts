import OpenAI, { BadRequestError } from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { type MockProviderHandle, startMockProvider } from '../../src/mock-provider';

// The official openai SDK against the mock's chat endpoint: tools, structured outputs, images, n and logprobs.

// A 1×1 transparent PNG, 68 bytes.
const PNG_DATA_URI =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
    strict: true,
  },
};
const timeTool: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } },
};

let mock: MockProviderHandle;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockProvider({ port: 0 });
  client = new OpenAI({ apiKey: 'sk-openai-chat', baseURL: `${mock.url}/openai/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await mock.close();
});

async function badRequest(body: OpenAI.ChatCompletionCreateParamsNonStreaming): Promise<BadRequestError> {
  const error: unknown = await client.chat.completions.create(body).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(BadRequestError);
  return error as BadRequestError;
}

describe('openai SDK: tools', () => {
  it('completes a two-step tool-calling loop: a call of the first tool, then an answer quoting its result', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris please' }];
    const first = await client.chat.completions.create({ model: 'gpt-4o', messages, tools: [weatherTool, timeTool] });

    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toMatch(/^call_/);
    expect(call.function.name).toBe('get_weather');
    const args = z
      .object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) })
      .parse(JSON.parse(call.function.arguments));
    expect(['Weather', 'in', 'Paris', 'please']).toContain(args.city);

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp": 21}' });
    const second = await client.chat.completions.create({ model: 'gpt-4o', messages, tools: [weatherTool, timeTool] });

    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toBe('Mock reply (gpt-4o): get_weather returned {"temp": 21}');
    expect(second.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it("runs the SDK's own tool runner to its final answer", async () => {
    const seen: unknown[] = [];
    const runner = client.chat.completions.runTools({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'What time is it in Tokyo?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_time',
            description: 'Current time in a time zone',
            parameters: { type: 'object', properties: { zone: { type: 'string' } } },
            parse: (text: string): unknown => JSON.parse(text),
            function: (args: unknown) => {
              seen.push(args);
              return '12:00';
            },
          },
        },
      ],
    });

    expect(await runner.finalContent()).toBe('Mock reply (gpt-4o): get_time returned 12:00');
    expect(seen).toHaveLength(1);
  });

  it('calls the tool named in tool_choice, and none when tool_choice is none', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hi' }];
    const named = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      tools: [weatherTool, timeTool],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    const none = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      tools: [weatherTool, timeTool],
      tool_choice: 'none',
    });

    const call = named.choices[0]!.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_time');
    expect(none.choices[0]!.message).toMatchObject({ content: 'Mock reply (gpt-4o): Hi' });
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it('gives each choice of each response its own call id', async () => {
    const body = {
      model: 'gpt-4o',
      n: 2,
      messages: [{ role: 'user' as const, content: 'Hi' }],
      tools: [timeTool],
    };
    const responses = [await client.chat.completions.create(body), await client.chat.completions.create(body)];
    const ids = responses.flatMap((response) => response.choices.map((choice) => choice.message.tool_calls?.[0]?.id));

    expect(ids.every((id) => typeof id === 'string' && id.startsWith('call_'))).toBe(true);
    expect(new Set(ids).size).toBe(4);
  });

  it('counts the tool schemas in the prompt tokens', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hi' }];
    const plain = await client.chat.completions.create({ model: 'gpt-4o', messages });
    const withTools = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      tools: [weatherTool],
      tool_choice: 'none',
    });

    expect(withTools.usage!.prompt_tokens).toBeGreaterThan(plain.usage!.prompt_tokens + 20);
  });
});

describe('openai SDK: structured outputs', () => {
  it('parses a zod response format into a typed object', async () => {
    const Event = z.object({
      name: z.string(),
      date: z.string(),
      participants: z.array(z.object({ name: z.string(), role: z.enum(['host', 'guest']) })),
      location: z.string().nullable(),
    });
    const completion = await client.chat.completions.parse({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Extract the event information.' },
        { role: 'user', content: 'Alice and Bob are going to a science fair on Friday.' },
      ],
      response_format: zodResponseFormat(Event, 'event'),
    });

    const message = completion.choices[0]!.message;
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(message.parsed).not.toBeNull();
    expect(Event.parse(message.parsed)).toEqual(message.parsed);
    expect(Event.parse(JSON.parse(message.content ?? ''))).toEqual(message.parsed);
  });

  it('answers JSON mode with a JSON object', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Reply in JSON: who are you?' }],
      response_format: { type: 'json_object' },
    });

    expect(JSON.parse(completion.choices[0]!.message.content ?? '')).toEqual({
      model: 'gpt-4o',
      reply: 'Reply in JSON: who are you?',
    });
  });
});

describe('openai SDK: images', () => {
  it('answers a question about an inline image, describing it before the echo', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: PNG_DATA_URI } },
          ],
        },
      ],
    });

    expect(completion.choices[0]!.message.content).toBe(
      'Mock reply (gpt-4o): I see an image (image/png, 68 bytes). What is in this image?',
    );
  });

  it('names an image sent by URL and counts every image in the prompt tokens', async () => {
    const question = { type: 'text' as const, text: 'Describe it.' };
    const plain = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [question] }],
    });
    const withImage = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [question, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } }],
        },
      ],
    });

    expect(withImage.choices[0]!.message.content).toBe(
      'Mock reply (gpt-4o): I see an image at https://example.com/cat.jpg. Describe it.',
    );
    expect(withImage.usage!.prompt_tokens - plain.usage!.prompt_tokens).toBe(85);
  });
});

describe('openai SDK: choices and logprobs', () => {
  it('answers n choices, each with one logprob entry per word and the alternatives asked for', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      n: 3,
      logprobs: true,
      top_logprobs: 2,
      messages: [{ role: 'user', content: 'Say hello' }],
    });

    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    const content = completion.choices[0]!.logprobs?.content ?? [];
    expect(content.map((entry) => entry.token)).toEqual(['Mock', ' reply', ' (gpt-4o):', ' Say', ' hello']);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes).toEqual([...Buffer.from(entry.token)]);
      expect(entry.top_logprobs).toHaveLength(2);
      expect(entry.top_logprobs[0]).toMatchObject({ token: entry.token, logprob: entry.logprob });
    }
    expect(completion.choices[2]!.logprobs).toEqual(completion.choices[0]!.logprobs);
    expect(completion.usage!.completion_tokens).toBe(3 * Math.ceil('Mock reply (gpt-4o): Say hello'.length / 4));
  });

  it('answers without logprobs when they are not asked for', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      service_tier: 'flex',
    });

    expect(completion.choices[0]!.logprobs).toBeNull();
    expect(completion.service_tier).toBe('flex');
  });
});

describe('openai SDK: requests the real API rejects', () => {
  const user: ChatCompletionMessageParam = { role: 'user', content: 'Hi' };

  it('when tool_choice names a tool that is not offered, it gets a 400 naming tool_choice', async () => {
    const error = await badRequest({
      model: 'gpt-4o',
      messages: [user],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toMatch(/tool_choice.*get_time/);
  });

  it('when tool_choice or parallel_tool_calls come without tools, it gets a 400', async () => {
    expect((await badRequest({ model: 'm', messages: [user], tool_choice: 'auto' })).message).toMatch(/tool_choice/);
    expect((await badRequest({ model: 'm', messages: [user], parallel_tool_calls: false })).message).toMatch(
      /parallel_tool_calls/,
    );
  });

  it('when a tool message answers no earlier call, or a call goes unanswered, it gets a 400', async () => {
    const orphan = await badRequest({
      model: 'm',
      messages: [user, { role: 'tool', tool_call_id: 'call_x', content: 'ok' }],
    });
    expect(orphan.message).toMatch(/role 'tool'.*call_x/);
    const unanswered = await badRequest({
      model: 'm',
      messages: [
        user,
        {
          role: 'assistant',
          tool_calls: [{ id: 'call_y', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        user,
      ],
    });
    expect(unanswered.message).toMatch(/did not have response messages: call_y/);
  });

  it('when a tool has a name the API does not allow, it gets a 400 naming the field', async () => {
    const error = await badRequest({
      model: 'm',
      messages: [user],
      tools: [{ type: 'function', function: { name: 'get weather!' } }],
    });
    expect(error.message).toMatch(/tools\[0\]\.function\.name/);
  });

  it('when a strict schema leaves an object open or a property optional, it gets a 400 naming the schema', async () => {
    const open = await badRequest({
      model: 'm',
      messages: [user],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          strict: true,
          schema: { type: 'object', properties: { a: { type: 'string' } } },
        },
      },
    });
    expect(open.message).toMatch(/response_format 'answer'.*'additionalProperties' is required/);
    const optional = await badRequest({
      model: 'm',
      messages: [user],
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            strict: true,
            parameters: {
              type: 'object',
              properties: {
                where: {
                  type: 'object',
                  properties: { city: { type: 'string' }, zip: { type: 'string' } },
                  required: ['city'],
                  additionalProperties: false,
                },
              },
              required: ['where'],
              additionalProperties: false,
            },
          },
        },
      ],
    });
    expect(optional.message).toMatch(/function 'lookup'.*'properties', 'where'.*Missing 'zip'/);
  });

  it('when a schema is not strict, an open object is accepted', async () => {
    const completion = await client.chat.completions.create({
      model: 'm',
      messages: [user],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } },
      },
    });
    expect(JSON.parse(completion.choices[0]!.message.content ?? '')).toEqual({ a: 'Hi' });
  });

  it('when JSON mode is asked for but the messages never mention JSON, it gets a 400', async () => {
    const error = await badRequest({ model: 'm', messages: [user], response_format: { type: 'json_object' } });
    expect(error.message).toMatch(/must contain the word 'json'/);
  });

  it('when an image is neither a URL nor a base64 image data URI, it gets a 400 naming the part', async () => {
    const error = await badRequest({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,aGk=' } }] }],
    });
    expect(error.message).toMatch(/messages\[0\]\.content\[0\]\.image_url\.url/);
  });

  it('when top_logprobs comes without logprobs, or stream_options without stream, it gets a 400', async () => {
    expect((await badRequest({ model: 'm', messages: [user], top_logprobs: 2 })).message).toMatch(/top_logprobs/);
    expect(
      (await badRequest({ model: 'm', messages: [user], stream_options: { include_usage: true } })).message,
    ).toMatch(/stream_options/);
  });

  it('when a sampling field is out of range, it gets a 400 naming the field', async () => {
    expect((await badRequest({ model: 'm', messages: [user], presence_penalty: 3 })).message).toMatch(
      /presence_penalty/,
    );
    expect((await badRequest({ model: 'm', messages: [user], logit_bias: { '50256': 101 } })).message).toMatch(
      /logit_bias/,
    );
  });
});
