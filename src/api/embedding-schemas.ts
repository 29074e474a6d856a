import { z } from 'zod';
import type { EmbeddingsRequest } from './embedding-plan';
import { modelNameSchema } from './schemas';

/** Texts per request at most (OpenAI's limit for one embeddings request). */
export const MAX_EMBEDDING_INPUTS = 2_048;

/** Characters of one text at most: far above any embedding model's context, short of a body that only burns memory. */
const MAX_TEXT_CHARS = 100_000;

const text = z
  .string()
  .min(1, 'an input text must not be empty')
  .max(MAX_TEXT_CHARS, `an input text may have at most ${MAX_TEXT_CHARS} characters`);

/** `POST /v1/embeddings`: OpenAI's embeddings request. Unknown fields are rejected, not silently dropped. */
export const embeddingsBodySchema = z.strictObject({
  model: modelNameSchema,
  input: z.union(
    [
      text,
      z
        .array(text)
        .min(1, 'at least one input text is required')
        .max(MAX_EMBEDDING_INPUTS, `at most ${MAX_EMBEDDING_INPUTS} input texts per request`),
    ],
    { error: 'input must be a string or an array of strings (token arrays are not accepted: send the text)' },
  ),
  dimensions: z.number().int().positive().max(65_536).nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  user: z.string().max(256).nullish(),
});

/** `POST /v1/jobs` with `input`: an embeddings request plus the job's labels. */
export const embeddingsJobBodySchema = embeddingsBodySchema.extend({
  /** Free-form labels kept with the job (memo), at most 16 short strings. */
  metadata: z
    .record(z.string().max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 16, 'at most 16 metadata entries')
    .optional(),
});

export type EmbeddingsBody = z.infer<typeof embeddingsBodySchema>;

/** What a request may count against a tenant's tokens-per-minute limit: its texts' UTF-8 bytes. */
export function embeddingTokens(texts: readonly string[]): number {
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  return bytes;
}

/** The request as planned: the input always a list. */
export function toEmbeddingsRequest(body: EmbeddingsBody): EmbeddingsRequest {
  return {
    model: body.model,
    input: typeof body.input === 'string' ? [body.input] : body.input,
    ...(body.dimensions ? { dimensions: body.dimensions } : {}),
  };
}
