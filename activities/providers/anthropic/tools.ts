/**
 * Tools, tool choice and structured outputs in Anthropic's terms. Anthropic has no JSON mode: a JSON answer
 * is asked for as the input of one tool the model is forced to call, and that input is the answer.
 */

import type Anthropic from '@anthropic-ai/sdk';
import type { ChatRequest, ChatTool, ChatToolChoice } from '../../../src/contract/chat';
import { untranslatable } from './content-blocks';

/** The forced tool's name for `response_format: json_object`, which has no schema (and so no name) of its own. */
export const JSON_OBJECT_TOOL = 'json_answer';

/** The tool-related fields of a Messages API request. */
export type AnthropicToolFields = Pick<Anthropic.MessageCreateParamsNonStreaming, 'tools' | 'tool_choice'>;

/**
 * The name of the tool that carries a structured answer for this request, or undefined when it asks for
 * no JSON. The adapter reads that tool's call back as the message content.
 */
export function structuredOutputTool(request: ChatRequest): string | undefined {
  const format = request.response_format;
  if (format?.type === 'json_schema') return format.json_schema.name;
  if (format?.type === 'json_object') return JSON_OBJECT_TOOL;
  return undefined;
}

/**
 * `tools` and `tool_choice` for the request: its own tools, or the forced tool of a structured output.
 * Anthropic rejects a conversation with tool calls in its history unless the request defines tools, which
 * OpenAI does not require; the tools called earlier are then declared (taking any object) and the choice set
 * to `none`, so the model can read the history but, as with OpenAI, call nothing.
 */
export function toAnthropicToolFields(request: ChatRequest): AnthropicToolFields {
  const format = request.response_format;
  const ownTools = request.tools ?? [];
  const historyTools = ownTools.length > 0 ? [] : calledTools(request).map(declaredOnly);
  if (format?.type === 'json_schema' || format?.type === 'json_object') {
    // One forced tool cannot both answer in JSON and leave the model free to call the caller's tools.
    if (ownTools.length > 0) throw untranslatable('tools together with a JSON response_format');
    const tool: Anthropic.Tool =
      format.type === 'json_schema'
        ? {
            name: format.json_schema.name,
            description: format.json_schema.description ?? 'Answer by calling this tool: its input is the answer.',
            input_schema: inputSchemaOf(format.json_schema.schema, 'response_format.json_schema.schema'),
            ...(format.json_schema.strict !== undefined && { strict: format.json_schema.strict }),
          }
        : {
            name: JSON_OBJECT_TOOL,
            description: 'Answer by calling this tool: its input, a JSON object, is the answer.',
            input_schema: { type: 'object' },
          };
    return {
      tools: [tool, ...historyTools.filter((history) => history.name !== tool.name)],
      tool_choice: { type: 'tool', name: tool.name },
    };
  }
  if (ownTools.length === 0) {
    return historyTools.length > 0 ? { tools: historyTools, tool_choice: { type: 'none' } } : {};
  }
  const choice = toToolChoice(request.tool_choice, request.parallel_tool_calls === false);
  return { tools: ownTools.map(toAnthropicTool), ...(choice !== undefined && { tool_choice: choice }) };
}

/** Names of the tools the conversation's assistant messages called, in order of first call. */
function calledTools(request: ChatRequest): string[] {
  const names = new Set<string>();
  for (const message of request.messages) {
    if (message.role === 'assistant') for (const call of message.tool_calls ?? []) names.add(call.function.name);
  }
  return [...names];
}

function declaredOnly(name: string): Anthropic.Tool {
  return { name, input_schema: { type: 'object' } };
}

function toAnthropicTool({ function: fn }: ChatTool): Anthropic.Tool {
  return {
    name: fn.name,
    ...(fn.description !== undefined && { description: fn.description }),
    input_schema: inputSchemaOf(fn.parameters, `tool ${fn.name}'s parameters`),
    ...(fn.strict !== undefined && { strict: fn.strict }),
  };
}

/** A JSON Schema as Anthropic's `input_schema`, whose root must be an object; OpenAI's default is no arguments. */
function inputSchemaOf(schema: Record<string, unknown> | undefined, what: string): Anthropic.Tool.InputSchema {
  if (schema === undefined) return { type: 'object', properties: {} };
  if (schema.type !== undefined && schema.type !== 'object') {
    throw untranslatable(`${what} must describe an object`);
  }
  return { ...schema, type: 'object' };
}

/**
 * OpenAI's `tool_choice` in Anthropic's terms: `required` is `any`, a named function is `tool`.
 * `parallel_tool_calls: false` becomes `disable_parallel_tool_use`, which Anthropic carries on the choice
 * (so it needs one even when the caller left the choice at its default, `auto`).
 */
function toToolChoice(choice: ChatToolChoice | undefined, serial: boolean): Anthropic.ToolChoice | undefined {
  const flag = serial ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return serial ? { type: 'auto', ...flag } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...flag };
  if (choice === 'required') return { type: 'any', ...flag };
  return { type: 'tool', name: choice.function.name, ...flag };
}
