import { FunctionCallingConfigMode, GoogleGenAI, Type } from '@google/genai';
import { createGeminiAdapter } from '../../activities/providers/gemini/adapter';
import { fromGeminiResponse, toGeminiRequest } from '../../activities/providers/gemini/wire';
import { ProviderError } from '../../activities/providers/provider-error';
import type { ChatMessage, ChatRequest, ChatTool, ReasoningEffort } from '../../src/contract/chat';
import { FailureType } from '../../src/contract/failure-types';
import { type MockProviderHandle, startMockProvider } from '../../src/mock-provider';

// The whole chat surface on Gemini: the adapter's translation both ways, and the mock's generateContent as the
// official SDK and the adapter see it.

const PNG_BYTES = Buffer.from('not really a png, but 35 bytes long');
const PNG_DATA_URI = `data:image/png;base64,${PNG_BYTES.toString('base64')}`;

const weatherTool: ChatTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

function request(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', messages, ...extra };
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('Gemini request translation', () => {
  it('sends system and developer messages as systemInstruction and every user part type as its Gemini part', () => {
    const params = toGeminiRequest(
      'gemini-2.5-flash',
      request([
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What are these?' },
            { type: 'image_url', image_url: { url: PNG_DATA_URI } },
            { type: 'image_url', image_url: { url: 'https://example.com/photos/cat.JPG?size=large' } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
          ],
        },
      ]),
    );

    expect(params.config?.systemInstruction).toBe('Be brief.\n\nAnswer in French.');
    expect(params.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'What are these?' },
          { inlineData: { mimeType: 'image/png', data: PNG_BYTES.toString('base64') } },
          { fileData: { fileUri: 'https://example.com/photos/cat.JPG?size=large', mimeType: 'image/jpeg' } },
          { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
          { inlineData: { mimeType: 'audio/mp3', data: 'SUQz' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
        ],
      },
    ]);
  });

  it.each([
    ['a file by file_id', { type: 'file' as const, file: { file_id: 'file-abc' } }, /file_id/],
    [
      'an image URL whose extension names no media type',
      { type: 'image_url' as const, image_url: { url: 'https://example.com/picture' } },
      /image_url\.url/,
    ],
  ])('a user message with %s is an invalid request that names the field', (_name, part, message) => {
    const error = thrownBy(() => toGeminiRequest('m', request([{ role: 'user', content: [part] }])));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ type: FailureType.InvalidRequest, message: expect.stringMatching(message) });
  });

  it('offers tools as function declarations with their JSON Schema unchanged', () => {
    const params = toGeminiRequest('m', request([{ role: 'user', content: 'Weather?' }], { tools: [weatherTool] }));
    expect(params.config?.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'The weather in a city.',
            parametersJsonSchema: weatherTool.function.parameters,
          },
        ],
      },
    ]);
    expect(params.config?.toolConfig).toBeUndefined();
  });

  it.each([
    ['auto', { mode: FunctionCallingConfigMode.AUTO }],
    ['required', { mode: FunctionCallingConfigMode.ANY }],
    ['none', { mode: FunctionCallingConfigMode.NONE }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_weather'] },
    ],
  ] as const)('tool_choice %j becomes functionCallingConfig %j', (toolChoice, functionCallingConfig) => {
    const params = toGeminiRequest(
      'm',
      request([{ role: 'user', content: 'Weather?' }], { tools: [weatherTool], tool_choice: toolChoice }),
    );
    expect(params.config?.toolConfig).toEqual({ functionCallingConfig });
  });

  it('sends no calling mode when no tools are offered', () => {
    const params = toGeminiRequest('m', request([{ role: 'user', content: 'x' }], { tool_choice: 'none' }));
    expect(params.config?.tools).toBeUndefined();
    expect(params.config?.toolConfig).toBeUndefined();
  });

  it('asks for JSON with responseMimeType, and for a schema with responseJsonSchema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const jsonObject = toGeminiRequest(
      'm',
      request([{ role: 'user', content: 'x' }], { response_format: { type: 'json_object' } }),
    );
    const jsonSchema = toGeminiRequest(
      'm',
      request([{ role: 'user', content: 'x' }], {
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
      }),
    );
    const text = toGeminiRequest('m', request([{ role: 'user', content: 'x' }], { response_format: { type: 'text' } }));

    expect(jsonObject.config).toMatchObject({ responseMimeType: 'application/json' });
    expect(jsonObject.config?.responseJsonSchema).toBeUndefined();
    expect(jsonSchema.config).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: schema });
    expect(text.config?.responseMimeType).toBeUndefined();
  });

  it('sends n, penalties, seed and stop in the generation config, and never the user label', () => {
    const params = toGeminiRequest(
      'm',
      request([{ role: 'user', content: 'x' }], {
        n: 3,
        presence_penalty: 0.5,
        frequency_penalty: -0.25,
        seed: 42,
        stop: ['END'],
        user: 'customer-7',
      }),
    );
    expect(params.config).toEqual({
      maxOutputTokens: 1024,
      candidateCount: 3,
      presencePenalty: 0.5,
      frequencyPenalty: -0.25,
      seed: 42,
      stopSequences: ['END'],
    });
  });

  it.each([
    ['none', 0],
    ['minimal', 128],
    ['low', 1024],
    ['medium', 8192],
    ['high', 24576],
  ] as Array<[ReasoningEffort, number]>)('reasoning_effort %s becomes a thinking budget of %d', (effort, budget) => {
    const params = toGeminiRequest('m', request([{ role: 'user', content: 'x' }], { reasoning_effort: effort }));
    expect(params.config?.thinkingConfig).toEqual({ thinkingBudget: budget });
  });

  it('sends a tool conversation as functionCall and functionResponse parts, with consecutive results in one turn', () => {
    const params = toGeminiRequest(
      'm',
      request([
        { role: 'user', content: 'Weather in Paris and Oslo?' },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '{"temperature":21}' },
        { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: 'half past ten' }] },
        { role: 'assistant', content: 'Paris is 21°C; in Oslo it is half past ten.' },
        { role: 'user', content: 'Thanks' },
      ]),
    );
    expect(params.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Oslo?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking both.' },
          { functionCall: { id: 'call_a', name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { id: 'call_b', name: 'get_time', args: { city: 'Oslo' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { id: 'call_a', name: 'get_weather', response: { temperature: 21 } } },
          { functionResponse: { id: 'call_b', name: 'get_time', response: { content: 'half past ten' } } },
        ],
      },
      { role: 'model', parts: [{ text: 'Paris is 21°C; in Oslo it is half past ten.' }] },
      { role: 'user', parts: [{ text: 'Thanks' }] },
    ]);
  });

  it('a tool message answering an id no assistant message called is an invalid request', () => {
    const error = thrownBy(() =>
      toGeminiRequest(
        'm',
        request([
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'call_missing', content: 'result' },
        ]),
      ),
    );
    expect(error).toMatchObject({ type: FailureType.InvalidRequest, message: expect.stringMatching(/call_missing/) });
  });
});

describe('Gemini response translation', () => {
  it('turns functionCall parts into tool_calls, keeping Gemini ids and giving deterministic ids otherwise', () => {
    const completion = fromGeminiResponse(
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { text: 'Let me look.' },
                { functionCall: { id: 'fc-1', name: 'get_weather', args: { city: 'Paris' } } },
                { functionCall: { name: 'get_time' } },
              ],
            },
            finishReason: 'STOP',
          },
        ],
      },
      'm',
    );
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: 'Let me look.',
        refusal: null,
        tool_calls: [
          { id: 'fc-1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_1_get_time', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
  });

  it('answers every candidate as a choice, with usage counting cached and thinking tokens', () => {
    const completion = fromGeminiResponse(
      {
        candidates: [
          { content: { role: 'model', parts: [{ text: 'One' }] }, finishReason: 'STOP', index: 0 },
          { content: { role: 'model', parts: [{ text: 'Two' }] }, finishReason: 'MAX_TOKENS', index: 1 },
        ],
        usageMetadata: {
          promptTokenCount: 100,
          cachedContentTokenCount: 60,
          candidatesTokenCount: 10,
          thoughtsTokenCount: 30,
          totalTokenCount: 140,
        },
      },
      'm',
    );
    expect(completion.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason])).toEqual([
      [0, 'One', 'stop'],
      [1, 'Two', 'length'],
    ]);
    expect(completion.usage).toEqual({
      prompt_tokens: 100,
      completion_tokens: 40,
      total_tokens: 140,
      prompt_tokens_details: { cached_tokens: 60 },
      completion_tokens_details: { reasoning_tokens: 30 },
    });
  });

  it.each([['SPII'], ['IMAGE_SAFETY']])('finishReason %s is content_filter', (reason) => {
    expect(fromGeminiResponse({ candidates: [{ finishReason: reason }] }, 'm').choices[0]?.finish_reason).toBe(
      'content_filter',
    );
  });

  it('a malformed function call is a MALFORMED_RESPONSE failure, which is retried', () => {
    const error = thrownBy(() =>
      fromGeminiResponse({ candidates: [{ finishReason: 'MALFORMED_FUNCTION_CALL' }] }, 'm'),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ type: FailureType.MalformedResponse });
  });
});

describe('the Gemini mock', () => {
  let mock: MockProviderHandle;

  beforeAll(async () => {
    mock = await startMockProvider({ port: 0 });
  });

  afterAll(async () => {
    await mock.close();
  });

  function sdk(): GoogleGenAI {
    return new GoogleGenAI({ apiKey: 'gemini-surface', httpOptions: { baseUrl: `${mock.url}/gemini` } });
  }

  function adapter(): ReturnType<typeof createGeminiAdapter> {
    return createGeminiAdapter({ apiKey: 'gemini-surface', baseUrl: `${mock.url}/gemini`, timeoutMs: 10_000 });
  }

  async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${mock.url}/gemini/v1beta/models/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'gemini-surface' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  it('when tools are offered, the SDK reads a functionCall with an id and arguments from the schema', async () => {
    const response = await sdk().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Weather in Lisbon?',
      config: {
        tools: [
          { functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: weatherTool.function.parameters }] },
        ],
      },
    });

    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    const calls = response.functionCalls ?? [];
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ id: expect.any(String), name: 'get_weather' });
    expect(['Weather', 'in', 'Lisbon?']).toContain(calls[0]?.args?.['city']);
  });

  it('when JSON is asked for with a schema, the SDK reads a JSON text that satisfies it', async () => {
    const response = await sdk().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Rate this movie',
      config: {
        responseMimeType: 'application/json',
        responseJsonSchema: {
          type: 'object',
          properties: { stars: { type: 'integer', minimum: 1, maximum: 5 }, verdict: { enum: ['good', 'bad'] } },
          required: ['stars', 'verdict'],
        },
      },
    });

    expect(JSON.parse(response.text ?? '')).toEqual({ stars: 1, verdict: 'good' });
  });

  it("when JSON is asked for with Gemini's own responseSchema, the answer follows it", async () => {
    const response = await sdk().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'List one colour',
      config: {
        responseMimeType: 'application/json',
        responseSchema: { type: Type.ARRAY, items: { type: Type.STRING } },
        candidateCount: 2,
      },
    });

    expect(response.candidates).toHaveLength(2);
    const values: unknown = JSON.parse(response.candidates?.[1]?.content?.parts?.[0]?.text ?? '');
    expect(Array.isArray(values) && values.every((value) => typeof value === 'string')).toBe(true);
  });

  it('when the last user turn carries an image, the SDK reads an answer that describes it', async () => {
    const response = await sdk().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'What is in this picture?' },
            { inlineData: { mimeType: 'image/png', data: PNG_BYTES.toString('base64') } },
          ],
        },
      ],
    });

    expect(response.text).toBe(
      `Mock reply (gemini-2.5-flash): I see an image (image/png, ${PNG_BYTES.length} bytes). What is in this picture?`,
    );
  });

  it('through the adapter, a two-step tool conversation round-trips the call id and the function name', async () => {
    const question: ChatMessage = { role: 'user', content: 'Weather in Lisbon?' };
    const first = await adapter().chat({
      model: 'gemini-2.5-flash',
      request: request([question], { tools: [weatherTool], tool_choice: 'required' }),
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    // The mock's own call id, not one the adapter made up, is what the caller answers.
    expect(call).toMatchObject({
      id: expect.stringMatching(/-call-0$/),
      type: 'function',
      function: { name: 'get_weather' },
    });
    expect(JSON.parse(call?.function.arguments ?? '')).toEqual({ city: expect.any(String) });

    const second = await adapter().chat({
      model: 'gemini-2.5-flash',
      request: request(
        [
          question,
          { role: 'assistant', content: null, tool_calls: call === undefined ? [] : [call] },
          { role: 'tool', tool_call_id: call?.id ?? '', content: '{"temperature":19}' },
        ],
        { tools: [weatherTool] },
      ),
    });
    expect(second.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: 'Mock reply (gemini-2.5-flash): get_weather returned {"temperature":19}' },
    });
    expect(second.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('through the adapter, n choices and a JSON schema answer come back as choices with JSON content', async () => {
    const completion = await adapter().chat({
      model: 'gemini-2.5-flash',
      request: request([{ role: 'user', content: 'Pick a city' }], {
        n: 2,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'city', schema: { type: 'object', properties: { name: { const: 'Oslo' } } } },
        },
      }),
    });
    expect(completion.choices.map((choice) => choice.message.content)).toEqual(['{"name":"Oslo"}', '{"name":"Oslo"}']);
  });

  it.each([
    [
      'more function responses than the model turn had calls',
      {
        contents: [
          { role: 'user', parts: [{ text: 'x' }] },
          { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] },
          {
            role: 'user',
            parts: [
              { functionResponse: { name: 'f', response: {} } },
              { functionResponse: { name: 'f', response: {} } },
            ],
          },
        ],
      },
      /number of function response parts/,
    ],
    [
      'allowedFunctionNames with mode AUTO',
      {
        contents: [{ parts: [{ text: 'x' }] }],
        tools: [{ functionDeclarations: [{ name: 'f' }] }],
        toolConfig: { functionCallingConfig: { mode: 'AUTO', allowedFunctionNames: ['f'] } },
      },
      /allowed_function_names/,
    ],
    [
      'a candidateCount above 8',
      { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { candidateCount: 9 } },
      /candidate_count/,
    ],
    [
      'a response schema with a text/plain answer',
      { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { responseJsonSchema: { type: 'object' } } },
      /response_mime_type/,
    ],
    ['an empty part', { contents: [{ parts: [{}] }] }, /contents\[0\]\.parts\[0\]\.data/],
  ])('rejects %s with a 400, as the real API does', async (_name, body, message) => {
    const { status, body: error } = await post('gemini-2.5-flash:generateContent', body);
    expect(status).toBe(400);
    expect(error).toMatchObject({
      error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(message) },
    });
  });

  it('a method named like an inherited object property is not found', async () => {
    const { status } = await post('gemini-2.5-flash:constructor', { contents: [{ parts: [{ text: 'x' }] }] });
    expect(status).toBe(404);
  });
});
