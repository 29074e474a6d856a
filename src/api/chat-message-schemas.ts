/**
 * The parts of an OpenAI chat request that carry a conversation: messages and their content parts, tools,
 * tool choice and response format — strict, with `null` read as absent wherever the OpenAI SDK sends it.
 */
import { z } from 'zod';

/** Null where the OpenAI SDK's types allow it: the same as leaving the field out. */
export const nullable = <T extends z.ZodType>(schema: T) => schema.nullish();

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });
const refusalPart = z.strictObject({ type: z.literal('refusal'), refusal: z.string() });

/** What providers accept as an image: an https URL, or inline base64 image data. */
const IMAGE_URL = /^(https:\/\/\S+|data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+)$/;

const imagePart = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({
    url: z.string().max(30_000_000).regex(IMAGE_URL, 'use an https:// URL or a data:image/…;base64,… URI'),
    detail: nullable(z.enum(['auto', 'low', 'high'])),
  }),
});

const audioPart = z.strictObject({
  type: z.literal('input_audio'),
  input_audio: z.strictObject({ data: z.string().min(1), format: z.enum(['wav', 'mp3']) }),
});

const filePart = z.strictObject({
  type: z.literal('file'),
  file: z
    .strictObject({
      file_data: nullable(z.string().min(1)),
      file_id: nullable(z.string().min(1)),
      filename: nullable(z.string().max(256)),
    })
    .refine((f) => Boolean(f.file_data) || Boolean(f.file_id), 'a file needs file_data or file_id'),
});

/** How deep a JSON Schema (tool parameters, a response schema) may nest; real ones stay within a few levels. */
const MAX_SCHEMA_DEPTH = 64;

/** True when `value` nests no deeper than `MAX_SCHEMA_DEPTH`; iterative, so any depth is measured safely. */
function shallowEnough(value: unknown): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= MAX_SCHEMA_DEPTH) return false;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

/** A JSON Schema object, as tools and response formats carry them. */
const jsonSchemaObject = z
  .record(z.string(), z.unknown())
  .refine(shallowEnough, `a schema may nest at most ${MAX_SCHEMA_DEPTH} levels deep`);

/** Tool and function names as every provider accepts them. */
const toolName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'use 1–64 letters, digits, "_" or "-"');

const toolCall = z.strictObject({
  id: z.string().min(1).max(256),
  type: z.literal('function'),
  function: z.strictObject({
    name: toolName,
    arguments: z.string().refine(isJsonText, 'arguments must be a JSON text, e.g. "{}"'),
  }),
});

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const name = nullable(z.string().max(64));

const systemMessage = z.strictObject({
  role: z.enum(['system', 'developer']),
  content: z.union([z.string(), z.array(textPart).min(1)]),
  name,
});

const userMessage = z.strictObject({
  role: z.literal('user'),
  content: z.union([
    z.string(),
    z.array(z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart])).min(1),
  ]),
  name,
});

const assistantMessage = z.strictObject({
  role: z.literal('assistant'),
  content: nullable(z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart]))])),
  name,
  refusal: nullable(z.string()),
  tool_calls: nullable(z.array(toolCall).max(128)),
  // The citations of an earlier answer: the openai SDK sends them back when an application appends the returned
  // message as is (OpenAI's own tool-calling pattern), and OpenAI accepts them. They describe that answer rather than
  // ask for anything, so they are accepted and not forwarded.
  annotations: nullable(z.array(z.unknown()).max(1024)),
});

const toolMessage = z.strictObject({
  role: z.literal('tool'),
  content: z.union([z.string(), z.array(textPart).min(1)]),
  tool_call_id: z.string().min(1).max(256),
});

export const DEPRECATED_FUNCTIONS =
  'the "function" role, "functions" and "function_call" are deprecated; use "tools", "tool_choice" and "tool" messages';

export const message = z.discriminatedUnion('role', [systemMessage, userMessage, assistantMessage, toolMessage], {
  error: (issue) => {
    const role = (issue.input as { role?: unknown } | undefined)?.role;
    if (role === 'function') return DEPRECATED_FUNCTIONS;
    return issue.code === 'invalid_union' ? 'role must be system, developer, user, assistant or tool' : undefined;
  },
});

export const tool = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: toolName,
    description: nullable(z.string().max(100_000)),
    parameters: nullable(jsonSchemaObject),
    strict: nullable(z.boolean()),
  }),
});

export const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: toolName }) }),
]);

export const responseFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: toolName,
      description: nullable(z.string()),
      schema: nullable(jsonSchemaObject),
      strict: nullable(z.boolean()),
    }),
  }),
]);
