import { z } from 'zod';
import type { ChatMessage, ChatRequest } from '../contract/chat';
import { DEPRECATED_FUNCTIONS, message, nullable, responseFormat, tool, toolChoice } from './chat-message-schemas';

/**
 * A model or route name: 1–200 visible ASCII characters. Names reach response headers, metric labels and
 * search attributes, where control characters (CR/LF), non-printable or non-ASCII characters would break
 * the response or the record; every real model id (`gpt-4o-mini`, `llama3.1:8b`, `models/gemini-2.5-flash`,
 * `accounts/fireworks/models/x`, `provider:model`) fits.
 */
export const modelNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'use visible ASCII characters only (no spaces, control or non-ASCII characters)');

/** Labels: at most 16 entries of short strings (OpenAI's limits for its `metadata`, and the job's labels). */
const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'at most 16 metadata entries');

const penalty = nullable(z.number().min(-2).max(2));

/** Fields of the OpenAI chat request Switchyard accepts; unknown fields are rejected, not silently dropped. */
const chatRequestFields = {
  model: modelNameSchema,
  messages: z.array(message).min(1, 'at least one message is required').max(2_000),
  temperature: nullable(z.number().min(0).max(2)),
  top_p: nullable(z.number().min(0).max(1)),
  max_tokens: nullable(z.number().int().positive().max(1_000_000)),
  max_completion_tokens: nullable(z.number().int().positive().max(1_000_000)),
  stop: nullable(z.union([z.string(), z.array(z.string()).max(4)])),
  seed: nullable(z.number().int()),
  user: z.string().max(256).optional(),
  /** Choices to generate, 1–8; the output reservation is max_tokens for each. */
  n: nullable(z.number().int().min(1).max(8)),
  presence_penalty: penalty,
  frequency_penalty: penalty,
  logit_bias: nullable(
    z.record(
      z.string().regex(/^\d{1,10}$/, 'logit_bias keys are token ids (integer strings)'),
      z.number().min(-100).max(100),
    ),
  ),
  logprobs: nullable(z.boolean()),
  top_logprobs: nullable(z.number().int().min(0).max(20)),
  tools: nullable(z.array(tool).min(1, 'list at least one tool, or leave tools out').max(128)),
  tool_choice: nullable(toolChoice),
  parallel_tool_calls: nullable(z.boolean()),
  response_format: nullable(responseFormat),
  reasoning_effort: nullable(z.enum(['none', 'minimal', 'low', 'medium', 'high'])),
  service_tier: nullable(z.enum(['auto', 'default', 'flex', 'scale', 'priority'])),
  /** OpenAI's stored completions; honoured by OpenAI targets only. */
  store: nullable(z.boolean()),
  stream: nullable(z.boolean()),
  stream_options: nullable(z.strictObject({ include_usage: nullable(z.boolean()) })),
  /** Switchyard's own field: how this request uses the response cache (naming a mode opts it in). */
  cache: z
    .strictObject({
      mode: z.enum(['default', 'bypass', 'refresh', 'only']).optional(),
      ttlSeconds: z.number().int().min(0).max(31_536_000).optional(),
    })
    .optional(),
};

type ChatFields = z.infer<z.ZodObject<typeof chatRequestFields>>;

/** Unknown keys stay a 400 naming them; the deprecated function-calling keys say what replaces them. */
function unknownKeyMessage(issue: { code?: string; keys?: string[] }): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const deprecated = (issue.keys ?? []).filter((key) => key === 'functions' || key === 'function_call');
  return deprecated.length > 0 ? `"${deprecated.join('", "')}": ${DEPRECATED_FUNCTIONS}` : undefined;
}

/**
 * What the fields cannot say alone and a provider would reject with a vague error: a tool choice naming no
 * offered tool, a tool result answering no earlier call, `top_logprobs` without `logprobs`, and
 * `stream_options` without streaming.
 */
function checkConsistency(body: ChatFields, ctx: z.RefinementCtx): void {
  const offered = new Set((body.tools ?? []).map((t) => t.function.name));
  const choice = body.tool_choice;
  if (choice && typeof choice === 'object' && !offered.has(choice.function.name)) {
    ctx.addIssue({
      code: 'custom',
      path: ['tool_choice', 'function', 'name'],
      message: `"${choice.function.name}" is not a function in tools`,
    });
  }
  if (choice === 'required' && offered.size === 0) {
    ctx.addIssue({ code: 'custom', path: ['tool_choice'], message: '"required" needs at least one tool in tools' });
  }
  const calls = new Set<string>();
  body.messages.forEach((m, i) => {
    if (m.role === 'assistant') for (const call of m.tool_calls ?? []) calls.add(call.id);
    if (m.role === 'tool' && !calls.has(m.tool_call_id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['messages', i, 'tool_call_id'],
        message: `"${m.tool_call_id}" answers no tool call of an earlier assistant message`,
      });
    }
  });
  if (body.top_logprobs !== undefined && body.top_logprobs !== null && body.logprobs !== true) {
    ctx.addIssue({ code: 'custom', path: ['top_logprobs'], message: 'top_logprobs needs "logprobs": true' });
  }
  if (body.stream_options !== undefined && body.stream_options !== null && body.stream !== true) {
    ctx.addIssue({ code: 'custom', path: ['stream_options'], message: 'stream_options needs "stream": true' });
  }
}

/** `POST /v1/chat/completions`: OpenAI's chat request, plus Switchyard's `cache`. */
export const chatCompletionBodySchema = z
  .strictObject(
    {
      ...chatRequestFields,
      /** OpenAI's request metadata, kept as the job's labels and sent on to OpenAI with `store: true`. */
      metadata: nullable(metadata),
    },
    { error: unknownKeyMessage },
  )
  .superRefine(checkConsistency);

/** `POST /v1/jobs`: a chat request plus job fields. */
export const jobBodySchema = z
  .strictObject(
    {
      ...chatRequestFields,
      /** Free-form labels kept with the job (memo), at most 16 short strings. */
      metadata: metadata.optional(),
    },
    { error: unknownKeyMessage },
  )
  .superRefine(checkConsistency);

export type ChatCompletionBody = z.infer<typeof chatCompletionBodySchema>;

/** The value, with null read as absent. */
function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

function normalisedMessage(m: z.infer<typeof message>): ChatMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: m.role, content: m.content, ...(present(m.name) ? { name: m.name } : {}) };
    case 'user':
      return {
        role: 'user',
        content:
          typeof m.content === 'string'
            ? m.content
            : m.content.map((part) => {
                if (part.type === 'image_url') {
                  const { url, detail } = part.image_url;
                  return { type: 'image_url', image_url: { url, ...(present(detail) ? { detail } : {}) } };
                }
                if (part.type === 'file') {
                  const { file_data, file_id, filename } = part.file;
                  return {
                    type: 'file',
                    file: {
                      ...(present(file_data) ? { file_data } : {}),
                      ...(present(file_id) ? { file_id } : {}),
                      ...(present(filename) ? { filename } : {}),
                    },
                  };
                }
                return part;
              }),
        ...(present(m.name) ? { name: m.name } : {}),
      };
    case 'assistant':
      return {
        role: 'assistant',
        ...(present(m.content) ? { content: m.content } : { content: null }),
        ...(present(m.name) ? { name: m.name } : {}),
        ...(present(m.refusal) ? { refusal: m.refusal } : {}),
        ...(present(m.tool_calls) && m.tool_calls.length > 0 ? { tool_calls: m.tool_calls } : {}),
      };
    case 'tool':
      return { role: 'tool', content: m.content, tool_call_id: m.tool_call_id };
  }
}

function normalisedTool(t: z.infer<typeof tool>): NonNullable<ChatRequest['tools']>[number] {
  const { name: fn, description, parameters, strict } = t.function;
  return {
    type: 'function',
    function: {
      name: fn,
      ...(present(description) ? { description } : {}),
      ...(present(parameters) ? { parameters } : {}),
      ...(present(strict) ? { strict } : {}),
    },
  };
}

function normalisedFormat(f: z.infer<typeof responseFormat>): ChatRequest['response_format'] {
  if (f.type !== 'json_schema') return f;
  const { name: formatName, description, schema, strict } = f.json_schema;
  return {
    type: 'json_schema',
    json_schema: {
      name: formatName,
      ...(present(description) ? { description } : {}),
      ...(present(schema) ? { schema } : {}),
      ...(present(strict) ? { strict } : {}),
    },
  };
}

/** Options of `toChatRequest`. */
export interface ToChatRequestOptions {
  /**
   * The body's `metadata` is OpenAI's request metadata (the chat endpoint), sent on with `store: true`; on
   * `POST /v1/jobs` it is only the job's labels.
   */
  forwardMetadata?: boolean;
}

/**
 * Normalises an accepted body to Switchyard's chat request (the form the cache key is derived from): null is
 * absent, a `stop` string is a one-element list, `max_completion_tokens` is `max_tokens`, and `store` (with
 * OpenAI's metadata) is kept only when true. `stream`, `stream_options` and `cache` are Switchyard's to act on.
 */
export function toChatRequest(
  body: ChatCompletionBody | z.infer<typeof jobBodySchema>,
  options: ToChatRequestOptions = {},
): ChatRequest {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const optional = <K extends keyof ChatRequest>(key: K, value: ChatRequest[K] | null | undefined) =>
    present(value) ? { [key]: value } : {};
  const stored = body.store === true;
  return {
    model: body.model,
    messages: body.messages.map(normalisedMessage),
    ...optional('temperature', body.temperature),
    ...optional('top_p', body.top_p),
    ...optional('max_tokens', maxTokens),
    ...optional('stop', typeof body.stop === 'string' ? [body.stop] : body.stop),
    ...optional('seed', body.seed),
    ...optional('user', body.user),
    ...optional('n', body.n),
    ...optional('presence_penalty', body.presence_penalty),
    ...optional('frequency_penalty', body.frequency_penalty),
    ...optional('logit_bias', body.logit_bias),
    ...optional('logprobs', body.logprobs),
    ...optional('top_logprobs', body.top_logprobs),
    ...optional('tools', body.tools?.map(normalisedTool)),
    ...optional('tool_choice', body.tool_choice),
    ...optional('parallel_tool_calls', body.parallel_tool_calls),
    ...optional('response_format', present(body.response_format) ? normalisedFormat(body.response_format) : null),
    ...optional('reasoning_effort', body.reasoning_effort),
    ...optional('service_tier', body.service_tier),
    ...(stored ? { store: true } : {}),
    ...(stored && options.forwardMetadata ? optional('metadata', body.metadata) : {}),
  };
}

/** The longest job id accepted; Switchyard's own ids are under 60 characters (`job_idem_` + 40 hex digits). */
const MAX_JOB_ID_LENGTH = 128;

/**
 * A job id as a client may send it: `job_` and then letters, digits, `_` or `-`, at most 128 characters in
 * all. Any id of that form is looked up (an unknown one is a 404 `job_not_found`); only an id that cannot be
 * one — another prefix, spaces, control or non-ASCII characters, or too long — is a 400.
 */
export const jobIdSchema = z
  .string()
  .max(MAX_JOB_ID_LENGTH, `a job id has at most ${MAX_JOB_ID_LENGTH} characters`)
  .regex(/^job_[A-Za-z0-9_-]+$/, 'a job id is "job_" followed by letters, digits, "_" or "-"');

export const waitQuerySchema = z.object({
  wait: z.coerce.number().min(0).max(60, 'wait at most 60 seconds').optional(),
});
