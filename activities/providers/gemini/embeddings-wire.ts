import type { EmbedContentParameters } from '@google/genai';
import type { EmbeddingCall, Embeddings } from '../../../src/contract/embeddings';
import { malformedResponse } from '../classify-error';
import { isRecord } from '../json-fields';
import { vectorField } from '../vector-field';

/** `models.embedContent` parameters for `call`: one content per text, which the SDK sends as one batch. */
export function toGeminiEmbedRequest(call: EmbeddingCall, abortSignal: AbortSignal): EmbedContentParameters {
  return {
    model: call.model,
    contents: call.input.map((text) => ({ role: 'user', parts: [{ text }] })),
    config: {
      abortSignal,
      ...(call.dimensions === undefined ? {} : { outputDimensionality: call.dimensions }),
    },
  };
}

/**
 * Input tokens of texts as the API's reservation bounds them: UTF-8 bytes, which no tokeniser turns into
 * fewer bytes than tokens. The Gemini API reports no usage for embeddings, so this bound is what is charged.
 */
export function geminiEmbeddingTokens(input: readonly string[]): number {
  return input.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8'), 0);
}

/** Reads a Gemini embeddings answer: `embeddings[i].values` for input `i`, in input order. */
export function fromGeminiEmbeddings(raw: unknown, call: EmbeddingCall): Embeddings {
  if (!isRecord(raw) || !Array.isArray(raw['embeddings'])) {
    throw malformedResponse('the embeddings answer has no embeddings array');
  }
  const vectors: number[][] = [];
  for (const item of raw['embeddings']) {
    const vector = vectorField(item, 'values');
    if (vector === undefined) throw malformedResponse(`embedding ${vectors.length} has no vector of numbers`);
    vectors.push(vector);
  }
  if (vectors.length !== call.input.length) {
    throw malformedResponse(`${vectors.length} embeddings for ${call.input.length} inputs`);
  }
  return { model: call.model, vectors, inputTokens: geminiEmbeddingTokens(call.input) };
}
