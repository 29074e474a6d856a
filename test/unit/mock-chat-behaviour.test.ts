import { z } from 'zod';
import { zodResponseFormat } from 'openai/helpers/zod';
import { answerChat, dataUriImage, type MockChatInput } from '../../src/mock-provider/chat-behaviour';
import { instanceOfSchema } from '../../src/mock-provider/json-instance';

// A 1×1 transparent PNG, 68 bytes.
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

function input(overrides: Partial<MockChatInput> = {}): MockChatInput {
  return {
    model: 'mock-model',
    lastUserText: 'What is the weather in Paris today?',
    tools: [],
    toolChoice: 'auto',
    toolResults: [],
    responseFormat: { type: 'text' },
    images: [],
    maxTokens: undefined,
    outputTokens: undefined,
    ...overrides,
  };
}

const weatherTool = {
  name: 'get_weather',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
  },
};
const timeTool = { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } };

describe('the mock chat answer', () => {
  it('without tools or a format, echoes the last user message', () => {
    expect(answerChat(input())).toEqual({
      kind: 'text',
      text: 'Mock reply (mock-model): What is the weather in Paris today?',
      tokens: 15,
      truncated: false,
    });
  });

  it('when tools are offered, calls the first with arguments that satisfy its parameter schema', () => {
    const output = answerChat(input({ tools: [weatherTool, timeTool] }));
    expect(output.kind).toBe('tool_calls');
    if (output.kind !== 'tool_calls') return;
    expect(output.calls).toHaveLength(1);
    expect(output.calls[0]!.name).toBe('get_weather');
    const args = z
      .object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) })
      .parse(output.calls[0]!.arguments);
    // Strings echo words of the question, so a test can tell which request a call belongs to.
    expect('What is the weather in Paris today?'.split(' ')).toContain(args.city);
    expect(output.tokens).toBeGreaterThan(0);
  });

  it('when a tool is named in the tool choice, calls that one', () => {
    const output = answerChat(input({ tools: [weatherTool, timeTool], toolChoice: { name: 'get_time' } }));
    expect(output).toMatchObject({ kind: 'tool_calls', calls: [{ name: 'get_time' }] });
  });

  it('when the tool choice is required, calls a tool', () => {
    expect(answerChat(input({ tools: [timeTool], toolChoice: 'required' }))).toMatchObject({ kind: 'tool_calls' });
  });

  it('when the tool choice is none, answers in text although tools are offered', () => {
    expect(answerChat(input({ tools: [weatherTool], toolChoice: 'none' }))).toMatchObject({ kind: 'text' });
  });

  it('when a tool without a parameter schema is called, its arguments are an empty object', () => {
    expect(answerChat(input({ tools: [{ name: 'ping', parameters: undefined }] }))).toMatchObject({
      kind: 'tool_calls',
      calls: [{ name: 'ping', arguments: {} }],
    });
  });

  it('when the conversation ends with tool results, answers in text quoting each of them', () => {
    const output = answerChat(
      input({
        tools: [weatherTool],
        toolResults: [
          { name: 'get_weather', callId: 'call_1', content: '{"temp": 21}' },
          { name: undefined, callId: 'call_2', content: 'sunny\n and warm' },
        ],
      }),
    );
    expect(output).toMatchObject({
      kind: 'text',
      text: 'Mock reply (mock-model): get_weather returned {"temp": 21}; call_2 returned sunny and warm',
    });
  });

  it('when a JSON schema is asked for, answers with a JSON text that satisfies it', () => {
    const output = answerChat(
      input({
        responseFormat: {
          type: 'json_schema',
          schema: { type: 'object', properties: { answer: { type: 'string' }, score: { type: 'number' } } },
        },
      }),
    );
    expect(output.kind).toBe('text');
    if (output.kind !== 'text') return;
    expect(z.object({ answer: z.string(), score: z.number() }).parse(JSON.parse(output.text))).toBeDefined();
    expect(output.truncated).toBe(false);
  });

  it('when JSON mode is asked for, answers with a JSON object naming the model', () => {
    const output = answerChat(input({ responseFormat: { type: 'json_object' } }));
    if (output.kind !== 'text') throw new Error('expected a text answer');
    expect(JSON.parse(output.text)).toEqual({ model: 'mock-model', reply: 'What is the weather in Paris today?' });
  });

  it('when tool results come back under a JSON schema, the JSON answer is derived from the results', () => {
    const output = answerChat(
      input({
        toolResults: [{ name: 'get_weather', callId: 'call_1', content: 'sunny' }],
        responseFormat: {
          type: 'json_schema',
          schema: { type: 'object', properties: { summary: { type: 'string' } } },
        },
      }),
    );
    if (output.kind !== 'text') throw new Error('expected a text answer');
    expect(JSON.parse(output.text)).toEqual({ summary: 'sunny' });
  });

  it('when the last user message carries images, the reply describes them first', () => {
    const output = answerChat(
      input({
        lastUserText: 'What is this?',
        images: [{ mediaType: 'image/png', bytes: 68 }, { url: 'https://example.com/cat.jpg' }],
      }),
    );
    expect(output).toMatchObject({
      kind: 'text',
      text: 'Mock reply (mock-model): I see an image (image/png, 68 bytes) and an image at https://example.com/cat.jpg. What is this?',
    });
  });

  it('when the reply is longer than the output limit, it is cut and marked truncated', () => {
    expect(answerChat(input({ maxTokens: 3 }))).toEqual({
      kind: 'text',
      text: 'Mock reply (',
      tokens: 3,
      truncated: true,
    });
  });
});

describe('data URI images', () => {
  it('reads the media type and the decoded size of a base64 data URI', () => {
    expect(dataUriImage(`data:image/png;base64,${PNG_BASE64}`)).toEqual({ mediaType: 'image/png', bytes: 68 });
  });

  it('returns undefined for a URL or a data URI that is not base64', () => {
    expect(dataUriImage('https://example.com/cat.png')).toBeUndefined();
    expect(dataUriImage('data:image/png,rawbytes')).toBeUndefined();
    expect(dataUriImage('data:image/png;base64,not base64!')).toBeUndefined();
  });
});

describe('JSON instances of a schema', () => {
  const seed = 'alpha beta gamma';

  it('satisfies a zod schema with nested objects, arrays, enums, nullables and unions', () => {
    const schema = z.object({
      title: z.string().min(3).max(10),
      count: z.number().int(),
      ratio: z.number().positive().max(0.9),
      step: z.number().int().multipleOf(5).min(7),
      done: z.boolean(),
      status: z.enum(['open', 'closed']),
      kind: z.literal('report'),
      tags: z.array(z.string()).min(2),
      owner: z.object({ email: z.email(), id: z.uuid(), site: z.url(), joined: z.iso.datetime() }),
      note: z.string().nullable(),
      value: z.union([z.number(), z.string()]),
      pair: z.tuple([z.string(), z.number()]),
      extra: z.record(z.string(), z.number()),
    });
    const value = instanceOfSchema(z.toJSONSchema(schema), seed);
    expect(schema.parse(value)).toEqual(value);
  });

  it('satisfies a schema as the openai SDK writes it for a zod response format', () => {
    const step = z.object({ explanation: z.string(), output: z.string() });
    const schema = z.object({ steps: z.array(step), final_answer: z.string(), confidence: z.enum(['low', 'high']) });
    const format = zodResponseFormat(schema, 'math_reasoning');
    const value = instanceOfSchema(format.json_schema.schema, seed);
    expect(schema.parse(value)).toEqual(value);
  });

  it('follows $ref into $defs, as zod writes reused and recursive schemas', () => {
    interface Category {
      name: string;
      children: Category[];
    }
    const category: z.ZodType<Category> = z.object({
      name: z.string(),
      get children() {
        return z.array(category);
      },
    });
    const address = z.object({ street: z.string(), city: z.string() });
    const schema = z.object({ home: address, work: address, tree: category });
    const jsonSchema = z.toJSONSchema(schema, { reused: 'ref' });
    expect(JSON.stringify(jsonSchema)).toContain('"$ref"');
    const value = instanceOfSchema(jsonSchema, seed);
    expect(schema.parse(value)).toEqual(value);
  });

  it('follows $ref into definitions and merges allOf parts', () => {
    const value = instanceOfSchema(
      {
        definitions: { point: { type: 'object', properties: { x: { type: 'integer', minimum: 3 } }, required: ['x'] } },
        allOf: [{ $ref: '#/definitions/point' }, { type: 'object', properties: { label: { type: 'string' } } }],
      },
      seed,
    );
    expect(value).toEqual({ x: 3, label: expect.any(String) as string });
  });

  it('gives equal answers for equal seeds and takes string values from the seed words', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } };
    expect(instanceOfSchema(schema, seed)).toEqual(instanceOfSchema(schema, seed));
    const value = instanceOfSchema(schema, seed) as { a: string; b: string };
    expect(seed.split(' ')).toContain(value.a);
    expect(seed.split(' ')).toContain(value.b);
  });

  it('stops at a recursion depth for a schema that refers to itself without end', () => {
    const schema = { type: 'object', properties: { next: { $ref: '#' } }, required: ['next'] };
    expect(() => JSON.stringify(instanceOfSchema(schema, seed))).not.toThrow();
  });
});
