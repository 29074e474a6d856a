import { fromGeminiEmbeddings } from '../../activities/providers/gemini/embeddings-wire';
import { fromOpenAIEmbeddings } from '../../activities/providers/openai/embeddings-wire';
import { ProviderError } from '../../activities/providers/provider-error';
import { FailureType } from '../../src/contract/failure-types';

// Embedding answers that break the documented shape are classified failures, never wrong vectors.

const call = { model: 'text-embedding-3-small', input: ['a', 'b'] };
const usage = { prompt_tokens: 2, total_tokens: 2 };

function failureOf(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    return error;
  }
  return undefined;
}

test('OpenAI vectors are placed by their index, whatever the order of data', () => {
  const raw = {
    data: [
      { index: 1, embedding: [0.2] },
      { index: 0, embedding: [0.1] },
    ],
    usage,
  };
  expect(fromOpenAIEmbeddings(raw, call)).toEqual({ model: call.model, vectors: [[0.1], [0.2]], inputTokens: 2 });
});

test.each([
  ['no data array', { usage }],
  ['a missing vector', { data: [{ index: 0, embedding: [0.1] }], usage }],
  [
    'a repeated index',
    {
      data: [
        { index: 0, embedding: [0.1] },
        { index: 0, embedding: [0.2] },
      ],
      usage,
    },
  ],
  [
    'an index out of range',
    {
      data: [
        { index: 0, embedding: [0.1] },
        { index: 2, embedding: [0.2] },
      ],
      usage,
    },
  ],
  [
    'a vector that is not numbers',
    {
      data: [
        { index: 0, embedding: 'AAAA' },
        { index: 1, embedding: [0.2] },
      ],
      usage,
    },
  ],
  [
    'no usage',
    {
      data: [
        { index: 0, embedding: [0.1] },
        { index: 1, embedding: [0.2] },
      ],
    },
  ],
])('an OpenAI answer with %s is a malformed response', (_case, raw) => {
  const error = failureOf(() => fromOpenAIEmbeddings(raw, call));
  expect(error).toBeInstanceOf(ProviderError);
  expect((error as ProviderError).type).toBe(FailureType.MalformedResponse);
});

test('a Gemini answer with fewer vectors than inputs is a malformed response', () => {
  const error = failureOf(() => fromGeminiEmbeddings({ embeddings: [{ values: [0.1] }] }, call));
  expect(error).toBeInstanceOf(ProviderError);
  expect((error as ProviderError).type).toBe(FailureType.MalformedResponse);
});
