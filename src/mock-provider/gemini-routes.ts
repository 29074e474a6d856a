import { type IncomingHttpHeaders } from 'node:http';
import { completeText, embed, estimateTokensOf, MAX_EMBEDDING_DIMENSIONS } from './content';
import { isJsonObject, type JsonObject, readTokenLimit } from './json';
import {
  type MockEndpoint,
  type ParsedCall,
  type ParseResult,
  type PathParams,
  type ProviderWire,
  type ReplyContext,
  type WireReply,
} from './provider';
import { protoDuration } from './wire-headers';

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const QUOTA_FAILURE = 'type.googleapis.com/google.rpc.QuotaFailure';

/** google.rpc.Code names for the statuses the mock can be asked for. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
  // Not a Google status; an overloaded model is reported as UNAVAILABLE.
  529: 'UNAVAILABLE',
};

function geminiError(status: number, message: string, details?: readonly JsonObject[]): WireReply {
  const name = STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
  const error: JsonObject = { code: status, message, status: name };
  if (details !== undefined) error.details = details;
  return { status, body: { error } };
}

function quotaFailure(ctx: ReplyContext, quotaId: string, limit: number): JsonObject {
  return {
    '@type': QUOTA_FAILURE,
    violations: [
      {
        quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
        quotaId,
        quotaDimensions: { location: 'global', model: ctx.model ?? 'unknown' },
        quotaValue: String(limit),
      },
    ],
  };
}

const SERVER_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  529: 'The model is overloaded. Please try again later.',
};

/** Google's `{ error: { code, message, status, details } }` envelope; the key comes as a header or `?key=`. */
export const geminiWire: ProviderWire = {
  name: 'gemini',
  // The Gemini API has no request-id header; the id is the body's `responseId`.
  requestIdHeader: undefined,
  requestId: (sequence) => `mock${sequence.toString(16).padStart(18, '0')}`,
  apiKey(headers: IncomingHttpHeaders, query: URLSearchParams) {
    const header = headers['x-goog-api-key'];
    if (typeof header === 'string' && header !== '') return header;
    const key = query.get('key');
    return key === null || key === '' ? undefined : key;
  },
  missingKey: () =>
    geminiError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    ),
  badRequest: (_ctx, message) => geminiError(400, message),
  errorStatus: (_ctx, status) =>
    geminiError(status, SERVER_ERROR_MESSAGES[status] ?? `Mock error with status ${status}.`),
  rateLimited(ctx, retryAfterSeconds, cause) {
    const reason = cause === 'key-limit' ? 'the per-key request limit of the mock' : 'an injected rate limit';
    return geminiError(429, `Resource has been exhausted (${reason}). Please retry in ${retryAfterSeconds}s.`, [
      quotaFailure(ctx, 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', 15),
      { '@type': RETRY_INFO, retryDelay: protoDuration(retryAfterSeconds) },
    ]);
  },
  // A daily quota carries no RetryInfo: retrying within the day is pointless.
  quotaExhausted: (ctx) =>
    geminiError(429, 'You exceeded your current quota, please check your plan and billing details.', [
      quotaFailure(ctx, 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', 200),
    ]),
  contentPolicy: () => geminiError(400, 'The request was blocked by the safety filters.'),
  rateLimitHeaders: () => ({}),
};

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

function parseGenerateContent(body: JsonObject, params: PathParams): ParseResult {
  const model = modelOf(params);
  const { contents, systemInstruction, generationConfig } = body;
  if (!Array.isArray(contents) || contents.length === 0) {
    return { ok: false, message: '* GenerateContentRequest.contents: contents is not specified\n' };
  }
  if (generationConfig !== undefined && !isJsonObject(generationConfig)) {
    return { ok: false, message: "Invalid value at 'generation_config': expected an object" };
  }
  const maxTokens = readTokenLimit(generationConfig?.maxOutputTokens);
  if (maxTokens === 'invalid') {
    return {
      ok: false,
      message: "Invalid value at 'generation_config.max_output_tokens': expected a positive integer",
    };
  }

  const texts = [contentText(systemInstruction)];
  let lastUserText = '';
  for (const [index, content] of contents.entries()) {
    if (!isJsonObject(content) || !Array.isArray(content.parts)) {
      return { ok: false, message: `Invalid value at 'contents[${index}]': expected a Content with parts` };
    }
    const text = contentText(content);
    texts.push(text);
    // A content without a role is the user's, as in the real API.
    if (content.role === undefined || content.role === 'user') lastUserText = text;
  }
  const promptTokens = estimateTokensOf(texts);
  const promptUsage = {
    promptTokenCount: promptTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  };

  const call: ParsedCall = {
    model,
    lastUserText,
    succeed(ctx: ReplyContext, cleanText: string) {
      const completion = completeText(model, cleanText, maxTokens, ctx.outputTokens);
      return {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: completion.text }] },
            finishReason: completion.truncated ? 'MAX_TOKENS' : 'STOP',
            index: 0,
          },
        ],
        usageMetadata: {
          ...promptUsage,
          candidatesTokenCount: completion.tokens,
          totalTokenCount: promptTokens + completion.tokens,
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
