import { type MockChatInput, type MockTool, type MockToolChoice } from '../chat-behaviour';
import { estimateTokens, estimateTokensOf } from '../content';
import { isJsonObject, type JsonObject, readTokenLimit } from '../json';
import { readMessages } from './chat-messages';
import { invalid, InvalidRequest } from './invalid-request';
import { strictSchemaProblem } from './strict-schema';

/**
 * Tokens an image adds to the prompt: OpenAI's price of a low-detail image. Fixed, so usage stays
 * predictable whatever the picture.
 */
export const IMAGE_PROMPT_TOKENS = 85;

/** Longest `stop` list and highest `top_logprobs` the real API accepts. */
const MAX_STOP_SEQUENCES = 4;
const MAX_TOP_LOGPROBS = 20;
const MAX_METADATA_KEYS = 16;

/** Function and schema names, as the real API restricts them. */
const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const REASONING_EFFORTS: ReadonlySet<unknown> = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
const SERVICE_TIERS: ReadonlySet<unknown> = new Set(['auto', 'default', 'flex', 'scale', 'priority']);

/** A chat completions request the mock accepted, in the terms the answer needs. */
export interface OpenAIChatCall {
  /** Everything `answerChat` reads except what only the pipeline knows (directives, the clean text). */
  input: Omit<MockChatInput, 'outputTokens'>;
  /** `n`: how many choices to answer with. */
  choices: number;
  /** Alternatives per token when logprobs were asked for, undefined when they were not. */
  topLogprobs: number | undefined;
  promptTokens: number;
  /** The processing tier the answer reports. */
  serviceTier: string;
  /** Set when `stream` is true: whether a usage chunk ends the stream (`stream_options.include_usage`). */
  stream: { includeUsage: boolean } | undefined;
}

/** The outcome of reading a request: the call, or the message of OpenAI's 400. */
export type ChatRequestResult = { ok: true; call: OpenAIChatCall } | { ok: false; message: string };

/**
 * Reads a chat completions request the way the real endpoint does: the fields that shape the answer are
 * checked (tools, tool_choice, tool messages answering earlier calls, response_format, logprobs, sampling
 * ranges) and a request the real API would reject gets the same kind of 400, in OpenAI's words.
 */
export function readChatRequest(body: JsonObject): ChatRequestResult {
  try {
    return { ok: true, call: readCall(body) };
  } catch (error) {
    if (error instanceof InvalidRequest) return { ok: false, message: error.message };
    throw error;
  }
}

function readCall(body: JsonObject): OpenAIChatCall {
  const { model, messages, n, stream } = body;
  if (typeof model !== 'string' || model === '') invalid('you must provide a model parameter');
  if (!Array.isArray(messages)) invalid("Missing required parameter: 'messages'.");
  if (messages.length === 0) invalid("Invalid 'messages': empty array. Expected an array with minimum length 1.");
  const streamed = readStream(stream, body.stream_options);
  // max_completion_tokens superseded max_tokens; the API rejects requests that send both, the mock takes the newer.
  const maxTokens = readTokenLimit(body.max_completion_tokens ?? body.max_tokens);
  if (maxTokens === 'invalid') invalid("Invalid 'max_completion_tokens': expected an integer of at least 1.");
  const choices = n ?? 1;
  if (typeof choices !== 'number' || !Number.isInteger(choices) || choices < 1 || choices > 128) {
    invalid("Invalid 'n': expected an integer from 1 to 128.");
  }
  readSampling(body);

  const tools = readTools(body.tools);
  const toolChoice = readToolChoice(body.tool_choice, tools);
  if (body.parallel_tool_calls !== undefined && body.parallel_tool_calls !== null) {
    if (typeof body.parallel_tool_calls !== 'boolean') invalid("Invalid 'parallel_tool_calls': expected a boolean.");
    if (tools.all === 0) invalid("Invalid value for 'parallel_tool_calls': only allowed when 'tools' are specified.");
  }
  const conversation = readMessages(messages);
  const responseFormat = readResponseFormat(body.response_format, conversation.allText);
  const topLogprobs = readLogprobs(body.logprobs, body.top_logprobs);

  const promptTokens =
    estimateTokensOf(conversation.texts) +
    (tools.all > 0 ? estimateTokens(JSON.stringify(body.tools)) : 0) +
    conversation.imageCount * IMAGE_PROMPT_TOKENS;
  const tier = body.service_tier;
  return {
    input: {
      model,
      lastUserText: conversation.lastUserText,
      tools: tools.functions,
      toolChoice,
      toolResults: conversation.toolResults,
      responseFormat,
      images: conversation.lastUserImages,
      maxTokens,
    },
    choices,
    topLogprobs,
    promptTokens,
    // OpenAI reports the tier that served the request: the one asked for, `default` for `auto`.
    serviceTier: tier === 'flex' || tier === 'priority' || tier === 'scale' ? tier : 'default',
    stream: streamed,
  };
}

function readStream(stream: unknown, options: unknown): OpenAIChatCall['stream'] {
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    invalid("Invalid 'stream': expected a boolean.");
  }
  const hasOptions = options !== undefined && options !== null;
  if (stream !== true) {
    if (hasOptions) invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
    return undefined;
  }
  if (!hasOptions) return { includeUsage: false };
  if (!isJsonObject(options)) invalid("Invalid 'stream_options': expected an object.");
  const includeUsage = options.include_usage;
  if (includeUsage !== undefined && includeUsage !== null && typeof includeUsage !== 'boolean') {
    invalid("Invalid 'stream_options.include_usage': expected a boolean.");
  }
  return { includeUsage: includeUsage === true };
}

function readNumber(body: JsonObject, field: string, min: number, max: number): void {
  const value = body[field];
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    invalid(`Invalid '${field}': expected a number from ${min} to ${max}.`);
  }
}

/** Sampling and bookkeeping fields: they do not change the mock's answer, but bad values are still a 400. */
function readSampling(body: JsonObject): void {
  readNumber(body, 'temperature', 0, 2);
  readNumber(body, 'top_p', 0, 1);
  readNumber(body, 'presence_penalty', -2, 2);
  readNumber(body, 'frequency_penalty', -2, 2);
  const { seed, stop, user, logit_bias: bias, reasoning_effort: effort, service_tier: tier, store, metadata } = body;
  if (seed !== undefined && seed !== null && !Number.isInteger(seed)) invalid("Invalid 'seed': expected an integer.");
  if (stop !== undefined && stop !== null && typeof stop !== 'string') {
    if (!Array.isArray(stop) || stop.length > MAX_STOP_SEQUENCES || !stop.every((s) => typeof s === 'string')) {
      invalid(`Invalid 'stop': expected a string or an array of at most ${MAX_STOP_SEQUENCES} strings.`);
    }
  }
  if (user !== undefined && typeof user !== 'string') invalid("Invalid 'user': expected a string.");
  if (bias !== undefined && bias !== null) {
    if (!isJsonObject(bias)) invalid("Invalid 'logit_bias': expected an object of token ids to numbers.");
    for (const [token, value] of Object.entries(bias)) {
      if (!/^\d+$/.test(token)) invalid(`Invalid 'logit_bias': '${token}' is not a token id.`);
      if (typeof value !== 'number' || value < -100 || value > 100) {
        invalid(`Invalid 'logit_bias.${token}': expected a number from -100 to 100.`);
      }
    }
  }
  if (effort !== undefined && effort !== null && !REASONING_EFFORTS.has(effort)) {
    invalid("Invalid 'reasoning_effort': expected one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh'.");
  }
  if (tier !== undefined && tier !== null && !SERVICE_TIERS.has(tier)) {
    invalid("Invalid 'service_tier': expected one of 'auto', 'default', 'flex', 'scale', 'priority'.");
  }
  if (store !== undefined && store !== null && typeof store !== 'boolean')
    invalid("Invalid 'store': expected a boolean.");
  if (metadata !== undefined && metadata !== null) {
    if (!isJsonObject(metadata) || !Object.values(metadata).every((value) => typeof value === 'string')) {
      invalid("Invalid 'metadata': expected an object of string values.");
    }
    if (Object.keys(metadata).length > MAX_METADATA_KEYS) {
      invalid(`Invalid 'metadata': at most ${MAX_METADATA_KEYS} keys are allowed.`);
    }
  }
}

/** The function tools offered, and how many tools of any kind there are. */
interface OfferedTools {
  functions: MockTool[];
  all: number;
}

function readTools(raw: unknown): OfferedTools {
  if (raw === undefined || raw === null) return { functions: [], all: 0 };
  if (!Array.isArray(raw)) invalid("Invalid 'tools': expected an array.");
  const functions: MockTool[] = [];
  for (const [index, tool] of raw.entries()) {
    if (!isJsonObject(tool)) invalid(`Invalid 'tools[${index}]': expected an object.`);
    // Custom (free-text) tools exist on the real API; the mock accepts them but only ever calls functions.
    if (tool.type === 'custom') continue;
    if (tool.type !== 'function') {
      invalid(`Invalid value for 'tools[${index}].type': expected 'function' or 'custom'.`);
    }
    const fn = tool.function;
    if (!isJsonObject(fn)) invalid(`Missing required parameter: 'tools[${index}].function'.`);
    if (typeof fn.name !== 'string' || !NAME_PATTERN.test(fn.name)) {
      invalid(`Invalid 'tools[${index}].function.name': string does not match pattern '^[a-zA-Z0-9_-]{1,64}$'.`);
    }
    if (fn.parameters !== undefined && !isJsonObject(fn.parameters)) {
      invalid(`Invalid 'tools[${index}].function.parameters': expected an object.`);
    }
    if (fn.strict !== undefined && fn.strict !== null && typeof fn.strict !== 'boolean') {
      invalid(`Invalid 'tools[${index}].function.strict': expected a boolean.`);
    }
    const problem = fn.strict === true ? strictSchemaProblem(fn.parameters ?? {}) : undefined;
    if (problem !== undefined) invalid(`Invalid schema for function '${fn.name}': ${problem}`);
    functions.push({ name: fn.name, parameters: fn.parameters });
  }
  return { functions, all: raw.length };
}

function readToolChoice(raw: unknown, tools: OfferedTools): MockToolChoice {
  if (raw === undefined || raw === null) return 'auto';
  if (tools.all === 0)
    invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
  if (raw === 'none' || raw === 'auto' || raw === 'required') return raw;
  if (isJsonObject(raw) && raw.type === 'function' && isJsonObject(raw.function)) {
    const { name } = raw.function;
    if (typeof name !== 'string') invalid("Missing required parameter: 'tool_choice.function.name'.");
    if (!tools.functions.some((tool) => tool.name === name)) {
      invalid(`Invalid value for 'tool_choice': function '${name}' is not among the 'tools' of the request.`);
    }
    return { name };
  }
  invalid(
    'Invalid value for \'tool_choice\': expected \'none\', \'auto\', \'required\' or {"type": "function", "function": {"name": …}}.',
  );
}

function readResponseFormat(raw: unknown, allText: string): MockChatInput['responseFormat'] {
  if (raw === undefined || raw === null) return { type: 'text' };
  if (!isJsonObject(raw)) invalid("Invalid 'response_format': expected an object.");
  switch (raw.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      // The real API insists, so that a model told to answer in JSON has also been asked to in words.
      if (!/json/i.test(allText)) {
        invalid(
          "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        );
      }
      return { type: 'json_object' };
    case 'json_schema': {
      const format = raw.json_schema;
      if (!isJsonObject(format)) invalid("Missing required parameter: 'response_format.json_schema'.");
      if (typeof format.name !== 'string' || !NAME_PATTERN.test(format.name)) {
        invalid("Invalid 'response_format.json_schema.name': string does not match pattern '^[a-zA-Z0-9_-]{1,64}$'.");
      }
      if (format.schema !== undefined && !isJsonObject(format.schema)) {
        invalid("Invalid 'response_format.json_schema.schema': expected an object.");
      }
      const problem = format.strict === true ? strictSchemaProblem(format.schema ?? {}) : undefined;
      if (problem !== undefined) invalid(`Invalid schema for response_format '${format.name}': ${problem}`);
      return { type: 'json_schema', schema: format.schema ?? { type: 'object', properties: {} } };
    }
    default:
      invalid("Invalid value for 'response_format.type': expected 'text', 'json_object' or 'json_schema'.");
  }
}

function readLogprobs(logprobs: unknown, top: unknown): number | undefined {
  if (logprobs !== undefined && logprobs !== null && typeof logprobs !== 'boolean') {
    invalid("Invalid 'logprobs': expected a boolean.");
  }
  if (top !== undefined && top !== null) {
    if (typeof top !== 'number' || !Number.isInteger(top) || top < 0 || top > MAX_TOP_LOGPROBS) {
      invalid(`Invalid 'top_logprobs': expected an integer from 0 to ${MAX_TOP_LOGPROBS}.`);
    }
    if (logprobs !== true) invalid("Invalid value for 'top_logprobs': 'logprobs' must be set to true.");
    return top;
  }
  return logprobs === true ? 0 : undefined;
}
