import { fnv1a, seededRandom } from './prng';

/** Characters per token: the usual rule of thumb for English, good enough for usage and cost tests. */
const CHARS_PER_TOKEN = 4;
const ECHO_CHARS = 80;

/** Default embedding size: small, so benchmarks do not spend their time serialising vectors. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 16;
/** Upper bound for a requested size, so one request cannot make the mock allocate without limit. */
export const MAX_EMBEDDING_DIMENSIONS = 4096;

/** Estimated tokens for a piece of text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Estimated tokens for several pieces of text (messages, system prompt…). */
export function estimateTokensOf(texts: readonly string[]): number {
  let chars = 0;
  for (const text of texts) chars += text.length;
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** A reply and whether it was cut short by the caller's output-token limit. */
export interface Completion {
  text: string;
  tokens: number;
  truncated: boolean;
}

/** Words a long reply is padded with. */
const FILLER = ' lorem ipsum dolor sit amet';

/**
 * The deterministic reply: the model name and the start of the last user message, so a test can
 * tell which request an answer belongs to. With `outputTokens` (the `output-tokens` directive) the reply
 * is padded or cut to that many tokens, as a model that answers at length. Either way it is cut to
 * `maxTokens` worth of characters when it is longer: a request's output limit always wins. A `preface`
 * (e.g. what the mock saw in the images) comes before the echo and does not shorten it.
 */
export function completeText(
  model: string,
  lastUserText: string,
  maxTokens: number | undefined,
  outputTokens?: number,
  preface = '',
): Completion {
  const echo = lastUserText.replace(/\s+/g, ' ').trim().slice(0, ECHO_CHARS);
  const reply = `Mock reply (${model}): ${preface}${echo}`;
  const full = outputTokens === undefined ? reply : sized(reply, outputTokens * CHARS_PER_TOKEN);
  if (maxTokens !== undefined && estimateTokens(full) > maxTokens) {
    const text = full.slice(0, maxTokens * CHARS_PER_TOKEN);
    return { text, tokens: estimateTokens(text), truncated: true };
  }
  return { text: full, tokens: estimateTokens(full), truncated: false };
}

/** `text` cut or padded with filler words to exactly `chars` characters. */
function sized(text: string, chars: number): string {
  return text.length >= chars ? text.slice(0, chars) : text.padEnd(chars, FILLER);
}

/** A deterministic unit vector derived from the text, so equal inputs embed equally. */
export function embed(text: string, dimensions = DEFAULT_EMBEDDING_DIMENSIONS): number[] {
  const next = seededRandom(fnv1a(text));
  const vector = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = next() * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
  // Rounded to float32 so that a vector sent as JSON equals the same vector sent as base64.
  for (let i = 0; i < dimensions; i++) vector[i] = Math.fround((vector[i] ?? 0) * scale);
  return vector;
}

/** OpenAI's `encoding_format: 'base64'`: little-endian float32s, base64-encoded. */
export function toBase64Float32(vector: readonly number[]): string {
  const buffer = Buffer.allocUnsafe(vector.length * 4);
  vector.forEach((value, i) => buffer.writeFloatLE(value, i * 4));
  return buffer.toString('base64');
}
