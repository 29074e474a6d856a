import type { EmbeddingCall, Embeddings } from '../../../src/contract/embeddings';
import { malformedResponse } from '../classify-error';
import { isRecord, numberField, stringField } from '../json-fields';
import { vectorField } from '../vector-field';

/** The `POST /embeddings` body for `call`: float vectors, so the answer needs no decoding. */
export function toOpenAIEmbeddingRequest(call: EmbeddingCall): {
  model: string;
  input: string[];
  encoding_format: 'float';
  dimensions?: number;
} {
  return {
    model: call.model,
    input: call.input,
    encoding_format: 'float',
    ...(call.dimensions === undefined ? {} : { dimensions: call.dimensions }),
  };
}

/**
 * Reads an OpenAI embeddings answer: one vector per input, placed by its `index` (the API does not promise
 * the order of `data`), and the prompt tokens billed.
 */
export function fromOpenAIEmbeddings(raw: unknown, call: EmbeddingCall): Embeddings {
  if (!isRecord(raw) || !Array.isArray(raw['data'])) throw malformedResponse('the embeddings answer has no data array');
  const vectors: Array<number[] | undefined> = Array.from({ length: call.input.length }, () => undefined);
  for (const item of raw['data']) {
    const index = numberField(item, 'index');
    const vector = vectorField(item, 'embedding');
    if (index === undefined || vector === undefined || !Number.isInteger(index)) {
      throw malformedResponse('an embedding lacks an integer index or a vector of numbers');
    }
    if (index < 0 || index >= vectors.length || vectors[index] !== undefined) {
      throw malformedResponse(`embedding index ${index} is out of range or repeated for ${call.input.length} inputs`);
    }
    vectors[index] = vector;
  }
  const complete = vectors.filter((vector): vector is number[] => vector !== undefined);
  if (complete.length !== call.input.length) {
    throw malformedResponse(`${complete.length} embeddings for ${call.input.length} inputs`);
  }
  const usage = raw['usage'];
  const inputTokens = numberField(usage, 'prompt_tokens') ?? numberField(usage, 'total_tokens');
  if (inputTokens === undefined) throw malformedResponse('the embeddings answer has no usage.prompt_tokens');
  return { model: stringField(raw, 'model') ?? call.model, vectors: complete, inputTokens };
}
