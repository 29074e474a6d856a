import { fromAnthropicMessage, toAnthropicRequest } from '../../activities/providers/anthropic/wire';
import { fromGeminiResponse, toGeminiRequest } from '../../activities/providers/gemini/wire';
import { toChatCompletion, toOpenAIRequest } from '../../activities/providers/openai/wire';
import { DEFAULT_OUTPUT_TOKENS } from '../../activities/providers/output-limit';
import { ProviderError } from '../../activities/providers/provider-error';
import { createProviderAdapter } from '../../activities/providers/registry';
import { type ChatRequest, PROVIDER_TYPES } from '../../src/contract/chat';
import { providerSchema } from '../../src/config/schema';
import { FailureType } from '../../src/contract/failure-types';

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

describe('Anthropic request translation', () => {
  it('moves system and developer messages, wherever they are, into the top-level system prompt', () => {
    const body = toAnthropicRequest('claude-haiku-4-5', {
      model: 'alias',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'assistant', content: 'Bonjour' },
      ],
    });
    expect(body.system).toBe('Be brief.\n\nAnswer in French.');
    expect(body.messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Bonjour' },
    ]);
  });

  it('merges consecutive same-role messages into one turn, keeping each text as its own block', () => {
    const body = toAnthropicRequest('claude-haiku-4-5', {
      model: 'alias',
      messages: [
        { role: 'user', content: 'First question.' },
        { role: 'system', content: 'Hoisted, so the two user messages become neighbours.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Second, ' },
            { type: 'text', text: '' },
            { type: 'text', text: 'in two parts.' },
          ],
        },
        { role: 'assistant', content: 'A.' },
        { role: 'assistant', content: 'B.' },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'First question.' },
          { type: 'text', text: 'Second, ' },
          { type: 'text', text: 'in two parts.' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'A.' },
          { type: 'text', text: 'B.' },
        ],
      },
    ]);
  });

  it('sends no system prompt when there is none and drops messages with no text', () => {
    const body = toAnthropicRequest('m', {
      model: 'alias',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'Still there?' },
      ],
    });
    expect(body).not.toHaveProperty('system');
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'text', text: 'Still there?' },
        ],
      },
    ]);
  });

  it('defaults max_tokens, which Anthropic requires, and maps stop, sampling and user', () => {
    const request: ChatRequest = { model: 'alias', messages: [{ role: 'user', content: 'Hi' }] };
    expect(toAnthropicRequest('m', request).max_tokens).toBe(DEFAULT_OUTPUT_TOKENS);
    const body = toAnthropicRequest('m', {
      ...request,
      max_tokens: 50,
      stop: ['\n\n'],
      temperature: 0.2,
      top_p: 0.9,
      user: 'user-42',
      seed: 7,
    });
    expect(body).toMatchObject({
      max_tokens: 50,
      stop_sequences: ['\n\n'],
      temperature: 0.2,
      top_p: 0.9,
      metadata: { user_id: 'user-42' },
    });
    expect(body).not.toHaveProperty('seed');
  });
});

describe('Anthropic response translation', () => {
  const message = {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-haiku-4-5-20251001',
    content: [
      { type: 'thinking', thinking: 'hidden', signature: 's' },
      { type: 'text', text: 'Hello, ' },
      { type: 'text', text: 'world.' },
    ],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 2, cache_read_input_tokens: 3 },
  };

  it('joins the text blocks and counts cache reads and writes as prompt tokens', () => {
    const completion = fromAnthropicMessage(message, 'claude-haiku-4-5');
    expect(completion).toMatchObject({
      id: 'msg_01',
      object: 'chat.completion',
      model: 'claude-haiku-4-5-20251001',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello, world.', refusal: null }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20 },
    });
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['refusal', 'content_filter'],
    ['tool_use', 'tool_calls'],
  ])('maps stop_reason %s to finish_reason %s', (stopReason, finishReason) => {
    expect(fromAnthropicMessage({ ...message, stop_reason: stopReason }, 'm').choices[0]?.finish_reason).toBe(
      finishReason,
    );
  });

  it('rejects a body without a content array as MALFORMED_RESPONSE', () => {
    expectProviderError(() => fromAnthropicMessage({ id: 'msg_01' }, 'm'), FailureType.MalformedResponse);
    expectProviderError(() => fromAnthropicMessage('<html>', 'm'), FailureType.MalformedResponse);
  });
});

describe('OpenAI request and response translation', () => {
  const request: ChatRequest = {
    model: 'alias',
    messages: [
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }], name: 'ann' },
    ],
    max_tokens: 20,
    stop: ['END'],
    seed: 1,
  };

  it('sends max_tokens as max_completion_tokens to OpenAI, which reasoning models require', () => {
    const body = toOpenAIRequest('openai', 'gpt-4o-mini', request);
    expect(body).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: 20, stop: ['END'], seed: 1 });
    expect(body).not.toHaveProperty('max_tokens');
    expect(body.messages[0]).toEqual({ role: 'developer', content: 'Be brief.' });
    expect(body.messages[1]).toEqual({ role: 'user', content: [{ type: 'text', text: 'Hi' }], name: 'ann' });
  });

  it('sends max_tokens and turns developer into system for compatible servers', () => {
    const body = toOpenAIRequest('openai-compatible', 'llama3', request);
    expect(body).toMatchObject({ max_tokens: 20 });
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('keeps the provider fields and fills what a compatible server leaves out', () => {
    const completion = toChatCompletion(
      {
        id: 'cmpl-1',
        model: 'llama3',
        choices: [{ message: { role: 'assistant', content: null }, finish_reason: null }],
      },
      'llama3',
    );
    expect(completion).toMatchObject({
      id: 'cmpl-1',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
    expect(completion).not.toHaveProperty('system_fingerprint');
  });

  it('rejects a body without choices as MALFORMED_RESPONSE', () => {
    expectProviderError(() => toChatCompletion('not json', 'm'), FailureType.MalformedResponse);
    expectProviderError(() => toChatCompletion({ choices: [{}] }, 'm'), FailureType.MalformedResponse);
  });
});

describe('the output limit on every provider request', () => {
  const unlimited: ChatRequest = { model: 'alias', messages: [{ role: 'user', content: 'Tell me everything.' }] };

  it('when a request has no max_tokens, OpenAI gets max_completion_tokens of the configured default', () => {
    expect(toOpenAIRequest('openai', 'gpt-4o-mini', unlimited, 300)).toMatchObject({ max_completion_tokens: 300 });
    expect(toOpenAIRequest('openai', 'gpt-4o-mini', unlimited)).toMatchObject({
      max_completion_tokens: DEFAULT_OUTPUT_TOKENS,
    });
  });

  it('when a request has no max_tokens, a compatible server gets max_tokens of the configured default', () => {
    const body = toOpenAIRequest('openai-compatible', 'llama3', unlimited, 300);
    expect(body).toMatchObject({ max_tokens: 300 });
    expect(body).not.toHaveProperty('max_completion_tokens');
  });

  it('when a request has no max_tokens, Anthropic gets max_tokens of the configured default', () => {
    expect(toAnthropicRequest('claude-haiku-4-5', unlimited, 300).max_tokens).toBe(300);
  });

  it('when a request has no max_tokens, Gemini gets maxOutputTokens of the configured default', () => {
    expect(toGeminiRequest('gemini-2.5-flash', unlimited, { defaultMaxTokens: 300 }).config).toMatchObject({
      maxOutputTokens: 300,
    });
    expect(toGeminiRequest('gemini-2.5-flash', unlimited).config).toMatchObject({
      maxOutputTokens: DEFAULT_OUTPUT_TOKENS,
    });
  });

  it("when a request has its own max_tokens, every provider gets the request's limit, not the default", () => {
    const limited = { ...unlimited, max_tokens: 12 };
    expect(toOpenAIRequest('openai', 'm', limited, 300)).toMatchObject({ max_completion_tokens: 12 });
    expect(toOpenAIRequest('openai-compatible', 'm', limited, 300)).toMatchObject({ max_tokens: 12 });
    expect(toAnthropicRequest('m', limited, 300).max_tokens).toBe(12);
    expect(toGeminiRequest('m', limited, { defaultMaxTokens: 300 }).config).toMatchObject({ maxOutputTokens: 12 });
  });
});

describe('Gemini request and response translation', () => {
  it('uses systemInstruction, the model role and a generation config', () => {
    const params = toGeminiRequest('gemini-2.5-flash', {
      model: 'alias',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Bye' },
      ],
      temperature: 0.1,
      top_p: 0.5,
      max_tokens: 30,
      stop: ['END'],
      seed: 3,
    });
    expect(params.contents).toEqual([
      { role: 'user', parts: [{ text: 'Hi' }] },
      { role: 'model', parts: [{ text: 'Hello' }] },
      { role: 'user', parts: [{ text: 'Bye' }] },
    ]);
    expect(params.config).toEqual({
      systemInstruction: 'Be brief.',
      temperature: 0.1,
      topP: 0.5,
      maxOutputTokens: 30,
      stopSequences: ['END'],
      seed: 3,
    });
  });

  it('leaves thought summaries out of the answer and counts thinking tokens as completion tokens', () => {
    const completion = fromGeminiResponse(
      {
        responseId: 'resp-1',
        modelVersion: 'gemini-2.5-flash',
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'Let me think', thought: true }, { text: 'Answer.' }] },
            finishReason: 'MAX_TOKENS',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 6, totalTokenCount: 12 },
      },
      'gemini-2.5-flash',
    );
    expect(completion).toMatchObject({
      id: 'resp-1',
      choices: [{ message: { content: 'Answer.' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 4, completion_tokens: 8, total_tokens: 12 },
    });
  });

  it.each([['SAFETY'], ['RECITATION'], ['BLOCKLIST'], ['PROHIBITED_CONTENT']])(
    'maps finishReason %s to content_filter',
    (reason) => {
      const completion = fromGeminiResponse({ candidates: [{ finishReason: reason }] }, 'm');
      expect(completion.choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: null } });
      expect(completion.id).toMatch(/^gemini-/);
    },
  );

  it('a blocked prompt with no candidates is a CONTENT_POLICY ProviderError naming the block reason', () => {
    expectProviderError(
      () => fromGeminiResponse({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }, 'm'),
      FailureType.ContentPolicy,
    );
    expectProviderError(() => fromGeminiResponse({ candidates: [] }, 'm'), FailureType.MalformedResponse);
  });
});

describe('adapters for unusable connections', () => {
  it.each([
    ['openai-compatible' as const, { apiKey: 'k', timeoutMs: 1000 }, /baseUrl/],
    ['anthropic' as const, { apiKey: '  ', timeoutMs: 1000 }, /no API key/],
    ['gemini' as const, { apiKey: 'k', timeoutMs: 0 }, /timeoutMs/],
    ['openai' as const, { apiKey: 'k', timeoutMs: 1.5 }, /timeoutMs/],
  ])(
    'a %s adapter for a connection missing what it needs rejects every call with NOT_CONFIGURED',
    async (type, connection, reason) => {
      const adapter = createProviderAdapter(type, connection);
      const request: ChatRequest = { model: 'alias', messages: [{ role: 'user', content: 'Hi' }] };
      const failure: unknown = await adapter.chat({ model: 'm', request }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProviderError);
      expect((failure as ProviderError).type).toBe(FailureType.NotConfigured);
      expect((failure as ProviderError).message).toMatch(reason);
    },
  );
});

describe('provider registry', () => {
  it.each(PROVIDER_TYPES)('every provider type the config accepts builds an adapter of that type (%s)', (type) => {
    const adapter = createProviderAdapter(type, { apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 1_000 });
    expect(adapter.type).toBe(type);
  });

  it('the config accepts exactly the provider types that have an adapter', () => {
    expect(providerSchema.shape.type.options).toEqual([...PROVIDER_TYPES]);
  });
});
