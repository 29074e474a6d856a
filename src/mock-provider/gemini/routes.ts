import { answerChat, type MockChatOutput } from '../chat-behaviour';
import { embed, estimateTokensOf, MAX_EMBEDDING_DIMENSIONS } from '../content';
import { isJsonObject, type JsonObject, readTokenLimit } from '../json';
import {
  type MockEndpoint,
  type MockProviderRoutes,
  type ParsedCall,
  type ParseResult,
  type PathParams,
  type ReplyContext,
  type RouteMatch,
} from '../provider';
import { readGeminiChat } from './chat-input';
import { generateContentEvents } from './content-stream';
import { geminiWire } from './wire';

/** Text of a Gemini `Content`: the concatenated text of its parts. */
function contentText(content: unknown): string {
  if (!isJsonObject(content) || !Array.isArray(content.parts)) return '';
  let text = '';
  for (const part of content.parts) {
    if (isJsonObject(part) && typeof part.text === 'string') text += part.text;
  }
  return text;
}

function modelOf(params: PathParams): string {
  return params.model ?? 'unknown';
}

function parseGenerateContent(body: JsonObject, params: PathParams, streamed = false): ParseResult {
  const model = modelOf(params);
  const request = readGeminiChat(body, model);
  if (typeof request === 'string') return { ok: false, message: request };
  const promptTokens = estimateTokensOf(request.promptTexts);
  const promptUsage = {
    promptTokenCount: promptTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  };

  const call: ParsedCall = {
    model,
    lastUserText: request.lastUserText,
    ...(streamed ? { stream: generateContentEvents } : {}),
    succeed(ctx: ReplyContext, cleanText: string) {
      const answer = answerChat({ ...request.input, lastUserText: cleanText, outputTokens: ctx.outputTokens });
      // Every candidate is the same deterministic answer; each is billed, as the real API bills each candidate.
      const candidates = Array.from({ length: request.candidateCount }, (_, index) => ({
        content: { role: 'model', parts: answerParts(answer, ctx) },
        finishReason: answer.kind === 'text' && answer.truncated ? 'MAX_TOKENS' : 'STOP',
        index,
      }));
      const candidatesTokens = answer.tokens * request.candidateCount;
      return {
        candidates,
        usageMetadata: {
          ...promptUsage,
          candidatesTokenCount: candidatesTokens,
          totalTokenCount: promptTokens + candidatesTokens,
        },
        modelVersion: model,
        responseId: ctx.requestId,
      };
    },
    // The real API does not fail a blocked prompt: it answers 200 with a block reason and no candidates.
    contentPolicy: (ctx: ReplyContext) => ({
      status: 200,
      body: {
        promptFeedback: {
          blockReason: 'SAFETY',
          safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }],
        },
        usageMetadata: { ...promptUsage, totalTokenCount: promptTokens },
        modelVersion: model,
        responseId: ctx.requestId,
      },
    }),
  };
  return { ok: true, call };
}

/** The answer as Gemini parts: function calls carry ids, unique per response, that their results quote back. */
function answerParts(answer: MockChatOutput, ctx: ReplyContext): JsonObject[] {
  if (answer.kind === 'text') return [{ text: answer.text }];
  return answer.calls.map((call, index) => ({
    functionCall: { id: `${ctx.requestId}-call-${index}`, name: call.name, args: call.arguments },
  }));
}

/** One embedding request: the `EmbedContentRequest` of `:embedContent`, or one item of `:batchEmbedContents`. */
interface EmbedRequest {
  text: string;
  dimensions: number | undefined;
}

function readEmbedRequest(request: JsonObject, where: string): EmbedRequest | string {
  if (!isJsonObject(request.content)) return `* ${where}.content: content is not specified\n`;
  const dimensions = readTokenLimit(request.outputDimensionality);
  if (dimensions === 'invalid' || (dimensions !== undefined && dimensions > MAX_EMBEDDING_DIMENSIONS)) {
    return `* ${where}.output_dimensionality: expected an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}\n`;
  }
  return { text: contentText(request.content), dimensions };
}

function parseEmbedContent(body: JsonObject, params: PathParams): ParseResult {
  const request = readEmbedRequest(body, 'EmbedContentRequest');
  if (typeof request === 'string') return { ok: false, message: request };
  return {
    ok: true,
    call: {
      model: modelOf(params),
      lastUserText: request.text,
      succeed: (_ctx: ReplyContext, cleanText: string) => ({
        embedding: { values: embed(cleanText, request.dimensions) },
      }),
    },
  };
}

function parseBatchEmbedContents(body: JsonObject, params: PathParams): ParseResult {
  const { requests } = body;
  if (!Array.isArray(requests) || requests.length === 0) {
    return { ok: false, message: '* BatchEmbedContentsRequest.requests: requests is not specified\n' };
  }
  const items: EmbedRequest[] = [];
  for (const [index, request] of requests.entries()) {
    const where = `BatchEmbedContentsRequest.requests[${index}]`;
    const item = readEmbedRequest(isJsonObject(request) ? request : {}, where);
    if (typeof item === 'string') return { ok: false, message: item };
    items.push(item);
  }
  const last = items.length - 1;
  return {
    ok: true,
    call: {
      model: modelOf(params),
      lastUserText: items[last]?.text ?? '',
      succeed: (_ctx: ReplyContext, cleanText: string) => ({
        embeddings: items.map((item, index) => ({
          values: embed(index === last ? cleanText : item.text, item.dimensions),
        })),
      }),
    },
  };
}

/** `POST /gemini/v1beta/models/{model}:generateContent` */
export const geminiGenerateContent: MockEndpoint = {
  id: 'gemini.generateContent',
  wire: geminiWire,
  parse: parseGenerateContent,
};

/**
 * `POST /gemini/v1beta/models/{model}:streamGenerateContent`, answered as server-sent events (what `?alt=sse`, which
 * the SDK always sends, asks for). Counted as `gemini.generateContent`: the same call, streamed.
 */
export const geminiStreamGenerateContent: MockEndpoint = {
  id: 'gemini.generateContent',
  wire: geminiWire,
  parse: (body, params) => parseGenerateContent(body, params, true),
};

/** `POST /gemini/v1beta/models/{model}:embedContent` */
export const geminiEmbedContent: MockEndpoint = {
  id: 'gemini.embedContent',
  wire: geminiWire,
  parse: parseEmbedContent,
};

/**
 * `POST /gemini/v1beta/models/{model}:batchEmbedContents` — what `@google/genai`'s `models.embedContent` actually
 * calls on the Gemini API. Counted as `gemini.embedContent` because callers think of it as that method.
 */
export const geminiBatchEmbedContents: MockEndpoint = {
  id: 'gemini.embedContent',
  wire: geminiWire,
  parse: parseBatchEmbedContents,
};

// A Map, not an object literal: a method named like an inherited property (`:constructor`) must find nothing.
const METHODS: ReadonlyMap<string, MockEndpoint> = new Map([
  ['generateContent', geminiGenerateContent],
  ['streamGenerateContent', geminiStreamGenerateContent],
  ['embedContent', geminiEmbedContent],
  ['batchEmbedContents', geminiBatchEmbedContents],
]);

// The SDK pins v1beta; v1 is accepted too so that clients on the stable API version also work.
const PATH = /^\/gemini\/(?:v1beta|v1)\/models\/([^/:]+):([A-Za-z]+)$/;

function matchGemini(method: string, pathname: string): RouteMatch | undefined {
  if (method !== 'POST') return undefined;
  const match = PATH.exec(pathname);
  const endpoint = match?.[2] === undefined ? undefined : METHODS.get(match[2]);
  if (match?.[1] === undefined || endpoint === undefined) return undefined;
  try {
    return { endpoint, params: { model: decodeURIComponent(match[1]) } };
  } catch {
    return undefined; // a malformed %-escape is no route at all
  }
}

/** The Gemini API's `models/{model}:method` endpoints, under `/gemini`: the SDK's `httpOptions.baseUrl`. */
export const geminiRoutes: MockProviderRoutes = { match: matchGemini };
