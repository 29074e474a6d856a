import {
  completeText,
  embed,
  estimateTokens,
  estimateTokensOf,
  MAX_EMBEDDING_DIMENSIONS,
  toBase64Float32,
} from '../content';
import { isJsonObject, type JsonObject, readTokenLimit } from '../json';
import { type MockEndpoint, type MockProviderRoutes, type ParseResult, type ReplyContext } from '../provider';
import { openaiWire } from './wire';

/** Text of an OpenAI message: a string, or the text parts of a content array. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (isJsonObject(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

function parseChat(body: JsonObject): ParseResult {
  const { model, messages, n, stream } = body;
  if (typeof model !== 'string' || model === '') return { ok: false, message: 'you must provide a model parameter' };
  if (!Array.isArray(messages)) return { ok: false, message: "Missing required parameter: 'messages'." };
  if (messages.length === 0)
    return { ok: false, message: "Invalid 'messages': empty array. Expected an array with minimum length 1." };
  if (stream === true) return { ok: false, message: "The mock provider does not support 'stream': true." };
  // max_completion_tokens superseded max_tokens; the API rejects requests that send both, the mock takes the newer.
  const maxTokens = readTokenLimit(body.max_completion_tokens ?? body.max_tokens);
  if (maxTokens === 'invalid')
    return { ok: false, message: "Invalid 'max_completion_tokens': expected an integer of at least 1." };
  const choices = n ?? 1;
  if (typeof choices !== 'number' || !Number.isInteger(choices) || choices < 1 || choices > 128) {
    return { ok: false, message: "Invalid 'n': expected an integer from 1 to 128." };
  }

  const texts: string[] = [];
  let lastUserText = '';
  for (const [index, message] of messages.entries()) {
    if (!isJsonObject(message) || typeof message.role !== 'string') {
      return { ok: false, message: `Invalid 'messages[${index}]': expected an object with a 'role'.` };
    }
    const text = messageText(message.content);
    texts.push(text);
    if (message.role === 'user') lastUserText = text;
  }
  const promptTokens = estimateTokensOf(texts);

  return {
    ok: true,
    call: {
      model,
      lastUserText,
      succeed(ctx: ReplyContext, cleanText: string) {
        const completion = completeText(model, cleanText, maxTokens, ctx.outputTokens);
        const choice = (index: number): JsonObject => ({
          index,
          message: { role: 'assistant', content: completion.text, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: completion.truncated ? 'length' : 'stop',
        });
        const completionTokens = completion.tokens * choices;
        return {
          id: `chatcmpl-mock${ctx.sequence.toString(16).padStart(20, '0')}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model,
          choices: Array.from({ length: choices }, (_, index) => choice(index)),
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: completionTokens,
            total_tokens: promptTokens + completionTokens,
            prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
            completion_tokens_details: {
              reasoning_tokens: 0,
              audio_tokens: 0,
              accepted_prediction_tokens: 0,
              rejected_prediction_tokens: 0,
            },
          },
          service_tier: 'default',
          system_fingerprint: 'fp_mock',
        };
      },
    },
  };
}

/** One embedding input: text, or a pre-tokenised array that is embedded by its JSON form. */
interface EmbeddingInput {
  text: string;
  tokens: number;
}

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'number');
}

function readEmbeddingInputs(input: unknown): EmbeddingInput[] | undefined {
  if (typeof input === 'string') return [{ text: input, tokens: estimateTokens(input) }];
  if (isTokenArray(input)) return [{ text: JSON.stringify(input), tokens: input.length }];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  const inputs: EmbeddingInput[] = [];
  for (const item of input) {
    if (typeof item === 'string') inputs.push({ text: item, tokens: estimateTokens(item) });
    else if (isTokenArray(item)) inputs.push({ text: JSON.stringify(item), tokens: item.length });
    else return undefined;
  }
  return inputs;
}

function parseEmbeddings(body: JsonObject): ParseResult {
  const { model, input, encoding_format: encoding, dimensions } = body;
  if (typeof model !== 'string' || model === '') return { ok: false, message: 'you must provide a model parameter' };
  if (input === undefined) return { ok: false, message: "Missing required parameter: 'input'." };
  const inputs = readEmbeddingInputs(input);
  if (inputs === undefined) {
    return { ok: false, message: "Invalid 'input': expected a string, an array of strings, or token arrays." };
  }
  if (encoding !== undefined && encoding !== 'float' && encoding !== 'base64') {
    return { ok: false, message: "Invalid 'encoding_format': expected 'float' or 'base64'." };
  }
  const size = readTokenLimit(dimensions);
  if (size === 'invalid' || (size !== undefined && size > MAX_EMBEDDING_DIMENSIONS)) {
    return { ok: false, message: `Invalid 'dimensions': expected an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}.` };
  }
  const promptTokens = inputs.reduce((sum, item) => sum + item.tokens, 0);
  const last = inputs.length - 1;

  return {
    ok: true,
    call: {
      model,
      lastUserText: inputs[last]?.text ?? '',
      succeed(_ctx: ReplyContext, cleanText: string) {
        const data = inputs.map((item, index) => {
          const vector = embed(index === last ? cleanText : item.text, size);
          return { object: 'embedding', index, embedding: encoding === 'base64' ? toBase64Float32(vector) : vector };
        });
        return { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
      },
    },
  };
}

/** `POST /openai/v1/chat/completions` */
export const openaiChat: MockEndpoint = { id: 'openai.chat', wire: openaiWire, parse: parseChat };

/** `POST /openai/v1/embeddings`; the openai SDK v6 asks for base64 unless told otherwise. */
export const openaiEmbeddings: MockEndpoint = { id: 'openai.embeddings', wire: openaiWire, parse: parseEmbeddings };

const ROUTES: ReadonlyMap<string, MockEndpoint> = new Map([
  ['POST /openai/v1/chat/completions', openaiChat],
  ['POST /openai/v1/embeddings', openaiEmbeddings],
]);

/** OpenAI's endpoints, under `/openai/v1`: point the SDK's `baseURL` there. */
export const openaiRoutes: MockProviderRoutes = {
  match(method, pathname) {
    const endpoint = ROUTES.get(`${method} ${pathname}`);
    return endpoint === undefined ? undefined : { endpoint, params: {} };
  },
};
