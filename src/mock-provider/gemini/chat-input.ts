/**
 * Reads a Gemini `generateContent` body into the mock's wire-neutral {@link MockChatInput}, rejecting what the real
 * API rejects with messages in its style (`* GenerateContentRequest.<field>: …`).
 */

import { type MockChatInput, type MockResponseFormat, type MockTool, type MockToolChoice } from '../chat-behaviour';
import { isJsonObject, type JsonObject, readTokenLimit } from '../json';
import { readContents } from './chat-contents';
import { fail } from './request-errors';

/** What a valid request says, before the directives of its last user text are applied. */
export interface GeminiChatRequest {
  /** Everything but `lastUserText` (given clean, later) and `outputTokens` (from the directive). */
  input: Omit<MockChatInput, 'lastUserText' | 'outputTokens'>;
  /** Text of the last user turn that is not a turn of tool results: where directives are read. */
  lastUserText: string;
  /** Candidates asked for (`candidateCount`). */
  candidateCount: number;
  /** Every piece of the request the prompt token estimate counts. */
  promptTexts: string[];
}

/** Gemini's largest `candidateCount`. */
const MAX_CANDIDATES = 8;
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const RESPONSE_MIME_TYPES = new Set(['text/plain', 'application/json', 'text/x.enum']);
const CALLING_MODES = new Set(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']);

/** The request read, or the 400 message the real API would give. */
export function readGeminiChat(body: JsonObject, model: string): GeminiChatRequest | string {
  const { contents, systemInstruction, generationConfig } = body;
  if (!Array.isArray(contents) || contents.length === 0) return fail('contents', 'contents is not specified');
  if (generationConfig !== undefined && !isJsonObject(generationConfig)) {
    return "Invalid value at 'generation_config': expected an object";
  }
  const config = generationConfig ?? {};
  const maxTokens = readTokenLimit(config.maxOutputTokens);
  if (maxTokens === 'invalid') {
    return "Invalid value at 'generation_config.max_output_tokens': expected a positive integer";
  }
  const candidateCount = config.candidateCount ?? 1;
  if (typeof candidateCount !== 'number' || !Number.isInteger(candidateCount) || candidateCount < 1) {
    return fail('generation_config.candidate_count', 'must be a positive integer');
  }
  if (candidateCount > MAX_CANDIDATES) {
    return fail('generation_config.candidate_count', `only values from 1 to ${MAX_CANDIDATES} are supported`);
  }
  for (const field of ['presencePenalty', 'frequencyPenalty'] as const) {
    const value = config[field];
    if (value !== undefined && (typeof value !== 'number' || value < -2 || value >= 2)) {
      return fail(`generation_config.${snake(field)}`, 'must be in the range [-2.0, 2.0)');
    }
  }

  const promptTexts: string[] = [];
  if (systemInstruction !== undefined) {
    if (!isJsonObject(systemInstruction) || !Array.isArray(systemInstruction.parts)) {
      return fail('system_instruction', 'expected a Content with parts');
    }
    for (const part of systemInstruction.parts) {
      if (isJsonObject(part) && typeof part.text === 'string') promptTexts.push(part.text);
    }
  }

  const tools = readTools(body.tools);
  if (typeof tools === 'string') return tools;
  const toolConfig = readToolChoice(body.toolConfig, tools);
  if (typeof toolConfig === 'string') return toolConfig;
  const toolChoice = toolConfig.choice;
  const responseFormat = readResponseFormat(config);
  if (typeof responseFormat === 'string') return responseFormat;
  const conversation = readContents(contents, promptTexts);
  if (typeof conversation === 'string') return conversation;
  if (tools.length > 0) promptTexts.push(JSON.stringify(body.tools));

  return {
    input: { model, tools, toolChoice, responseFormat, maxTokens, ...conversation.found },
    lastUserText: conversation.lastUserText,
    candidateCount,
    promptTexts,
  };
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function readTools(value: unknown): MockTool[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail('tools', 'expected a list of Tool');
  const tools: MockTool[] = [];
  for (const [t, tool] of value.entries()) {
    if (!isJsonObject(tool)) return fail(`tools[${t}]`, 'expected a Tool');
    const declarations = tool.functionDeclarations ?? [];
    if (!Array.isArray(declarations)) return fail(`tools[${t}].function_declarations`, 'expected a list');
    for (const [d, declaration] of declarations.entries()) {
      const where = `tools[${t}].function_declarations[${d}]`;
      if (!isJsonObject(declaration) || typeof declaration.name !== 'string') {
        return fail(`${where}.name`, 'name is not specified');
      }
      if (!FUNCTION_NAME.test(declaration.name)) {
        return fail(
          `${where}.name`,
          'Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.',
        );
      }
      const { parameters, parametersJsonSchema } = declaration;
      if (parameters !== undefined && parametersJsonSchema !== undefined) {
        return fail(`${where}.parameters`, 'parameters and parameters_json_schema are mutually exclusive');
      }
      const schema = parametersJsonSchema ?? parameters;
      if (schema !== undefined && !isJsonObject(schema)) return fail(`${where}.parameters`, 'expected a Schema');
      tools.push({ name: declaration.name, parameters: schema === undefined ? undefined : jsonSchemaOf(schema) });
    }
  }
  return tools;
}

/** The tool choice in the mock's terms, wrapped so that it cannot be mistaken for an error message. */
function readToolChoice(value: unknown, tools: readonly MockTool[]): { choice: MockToolChoice } | string {
  if (value === undefined) return { choice: 'auto' };
  const config = isJsonObject(value) ? value.functionCallingConfig : undefined;
  if (config === undefined) return { choice: 'auto' };
  if (!isJsonObject(config)) return fail('tool_config.function_calling_config', 'expected an object');
  const mode = config.mode ?? 'AUTO';
  if (typeof mode !== 'string' || !CALLING_MODES.has(mode)) {
    return `Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), ${JSON.stringify(mode)}`;
  }
  const allowed = config.allowedFunctionNames;
  if (allowed !== undefined) {
    if (mode !== 'ANY' && mode !== 'VALIDATED') {
      return fail(
        'tool_config.function_calling_config.allowed_function_names',
        'allowed_function_names can only be set when mode is ANY or VALIDATED',
      );
    }
    if (!Array.isArray(allowed) || allowed.some((name) => !tools.some((tool) => tool.name === name))) {
      return fail(
        'tool_config.function_calling_config.allowed_function_names',
        'every name must be a declared function',
      );
    }
    const first: unknown = allowed[0];
    if (typeof first === 'string') return { choice: { name: first } };
  }
  if (mode === 'NONE') return { choice: 'none' };
  return { choice: mode === 'ANY' ? 'required' : 'auto' };
}

function readResponseFormat(config: JsonObject): MockResponseFormat | string {
  const mimeType = config.responseMimeType ?? 'text/plain';
  if (typeof mimeType !== 'string' || !RESPONSE_MIME_TYPES.has(mimeType)) {
    return fail(
      'generation_config.response_mime_type',
      `allowed mimetypes are \`text/plain\`, \`application/json\`, \`text/x.enum\`; got ${JSON.stringify(mimeType)}`,
    );
  }
  const { responseSchema, responseJsonSchema } = config;
  if (responseSchema !== undefined && responseJsonSchema !== undefined) {
    return fail('generation_config.response_schema', 'response_schema and response_json_schema are mutually exclusive');
  }
  const schema: unknown = responseJsonSchema ?? responseSchema;
  if (schema !== undefined && !isJsonObject(schema))
    return fail('generation_config.response_schema', 'expected a Schema');
  if (schema !== undefined && mimeType === 'text/plain') {
    return fail(
      'generation_config.response_mime_type',
      'response_mime_type must be one of [application/json, text/x.enum] when a response schema is set',
    );
  }
  if (mimeType !== 'application/json') return { type: 'text' };
  return schema === undefined ? { type: 'json_object' } : { type: 'json_schema', schema: jsonSchemaOf(schema) };
}

/** What the conversation contributes to the mock's input. */
/**
 * A schema as plain JSON Schema: Gemini's own `Schema` (`parameters`, `responseSchema`) writes types in capitals
 * (`OBJECT`, `STRING`), which the mock's schema instances read in lower case.
 */
function jsonSchemaOf(schema: JsonObject): JsonObject {
  const lower = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(lower);
    if (!isJsonObject(value)) return value;
    const out: JsonObject = {};
    for (const [key, field] of Object.entries(value)) {
      out[key] = key === 'type' && typeof field === 'string' ? field.toLowerCase() : lower(field);
    }
    return out;
  };
  return lower(schema) as JsonObject;
}
