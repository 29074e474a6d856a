import { embed, estimateTokens, MAX_EMBEDDING_DIMENSIONS, toBase64Float32 } from '../content';
import { type JsonObject, readTokenLimit } from '../json';
import { type MockEndpoint, type MockProviderRoutes, type ParseResult, type ReplyContext } from '../provider';
import { chatCompletionBody } from './chat-answer';
import { chatCompletionChunks } from './chat-stream';
import { readChatRequest } from './chat-request';
import { openaiWire } from './wire';

function parseChat(body: JsonObject): ParseResult {
  const read = readChatRequest(body);
  if (!read.ok) return read;
  const { call } = read;
  const { stream } = call;
  return {
    ok: true,
    call: {
      model: call.input.model,
      lastUserText: call.input.lastUserText,
      succeed: (ctx: ReplyContext, cleanText: string) => chatCompletionBody(call, ctx, cleanText),
      ...(stream === undefined ? {} : { stream: (body: unknown) => chatCompletionChunks(body, stream.includeUsage) }),
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
  // The directives of any input steer the call, as one bad input fails a real provider's whole request.
  const marked = inputs.findIndex((item) => item.text.includes('[[mock:'));
  const last = marked >= 0 ? marked : inputs.length - 1;

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
