/**
 * Reads a Messages API request into the mock's wire-neutral {@link MockChatInput}, rejecting what the real
 * API rejects with the same field paths, so a translation mistake fails in tests as it would in production.
 */

import {
  dataUriImage,
  type MockChatInput,
  type MockImage,
  type MockTool,
  type MockToolChoice,
  type MockToolResult,
} from '../chat-behaviour';
import { isJsonObject, type JsonObject } from '../json';

/** The image types the real API accepts inline. */
const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Anthropic's rule for tool names. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** What the endpoint needs besides the parts of {@link MockChatInput} the pipeline fills in. */
export interface AnthropicChatRead {
  input: Omit<MockChatInput, 'model' | 'lastUserText' | 'maxTokens' | 'outputTokens'>;
  /** The last user message's text, where `[[mock:…]]` directives are read. */
  lastUserText: string;
  /** Every text the model would read (system, messages, tool inputs and results, tool definitions), for usage. */
  promptTexts: string[];
}

export type AnthropicChatReadResult = ({ ok: true } & AnthropicChatRead) | { ok: false; message: string };

class InvalidRequest extends Error {}

function fail(message: string): never {
  throw new InvalidRequest(message);
}

/** Reads `system`, `messages`, `tools` and `tool_choice` of a Messages API request. */
export function readAnthropicChat(body: JsonObject): AnthropicChatReadResult {
  try {
    return { ok: true, ...read(body) };
  } catch (error) {
    if (error instanceof InvalidRequest) return { ok: false, message: error.message };
    throw error;
  }
}

function read(body: JsonObject): AnthropicChatRead {
  const promptTexts: string[] = [blocksText(body.system)];
  const tools = readTools(body.tools, promptTexts);
  const toolChoice = readToolChoice(body.tool_choice, tools);
  if (body.temperature !== undefined) {
    if (typeof body.temperature !== 'number') fail('temperature: Input should be a valid number');
    if (body.temperature < 0) fail('temperature: Input should be greater than or equal to 0');
    if (body.temperature > 1) fail('temperature: Input should be less than or equal to 1');
  }

  const messages = body.messages as unknown[];
  let lastUserText = '';
  let images: MockImage[] = [];
  let toolResults: MockToolResult[] = [];
  /** Ids of the tool calls in the previous (assistant) message, which the next user message must answer. */
  let pendingCalls: string[] = [];
  const seenCallIds = new Set<string>();
  for (const [index, message] of messages.entries()) {
    const at = `messages.${index}`;
    if (!isJsonObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      fail(`${at}.role: Input should be 'user' or 'assistant'`);
    }
    const blocks = contentBlocks(message.content, at);
    if (message.role === 'assistant') {
      if (pendingCalls.length > 0) unansweredCalls(index - 1, pendingCalls);
      pendingCalls = readAssistantBlocks(blocks, at, seenCallIds, promptTexts);
      continue;
    }
    const user = readUserBlocks(blocks, at, pendingCalls, promptTexts);
    const answered = new Set(user.toolResults.map((result) => result.callId));
    const unanswered = pendingCalls.filter((id) => !answered.has(id));
    if (unanswered.length > 0) unansweredCalls(index - 1, unanswered);
    pendingCalls = [];
    lastUserText = user.text;
    images = user.images;
    toolResults = user.toolResults;
  }
  if (seenCallIds.size > 0 && tools.length === 0) {
    fail('Requests which include `tool_use` or `tool_result` blocks must define tools.');
  }
  // Tool results count only when they end the conversation; an assistant message after them answered them.
  const last = messages[messages.length - 1];
  if (isJsonObject(last) && last.role === 'assistant') toolResults = [];

  return {
    input: { tools, toolChoice, toolResults, responseFormat: { type: 'text' }, images },
    lastUserText,
    promptTexts,
  };
}

function unansweredCalls(index: number, ids: readonly string[]): never {
  fail(
    `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${ids.join(', ')}. ` +
      'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
  );
}

function readTools(value: unknown, promptTexts: string[]): MockTool[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail('tools: Input should be a valid list');
  const names = new Set<string>();
  return value.map((tool, index) => {
    const at = `tools.${index}.custom`;
    if (!isJsonObject(tool)) fail(`tools.${index}: Input should be a valid dictionary`);
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      fail(`${at}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    }
    if (!isJsonObject(tool.input_schema)) fail(`${at}.input_schema: Field required`);
    if (tool.input_schema.type !== 'object') fail(`${at}.input_schema.type: Input should be 'object'`);
    if (names.has(tool.name)) fail('tools: Tool names must be unique.');
    names.add(tool.name);
    promptTexts.push(JSON.stringify(tool));
    return { name: tool.name, parameters: tool.input_schema };
  });
}

function readToolChoice(value: unknown, tools: readonly MockTool[]): MockToolChoice {
  if (value === undefined) return 'auto';
  if (!isJsonObject(value)) fail('tool_choice: Input should be a valid dictionary');
  switch (value.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool': {
      const { name } = value;
      if (typeof name !== 'string') fail('tool_choice.tool.name: Field required');
      if (!tools.some((tool) => tool.name === name)) fail(`tool_choice: Tool '${name}' not found in tools`);
      return { name };
    }
    default:
      fail(
        "tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'",
      );
  }
}

/** A message's content as blocks: a string is one text block; empty content is rejected as the real API does. */
function contentBlocks(content: unknown, at: string): JsonObject[] {
  if (typeof content === 'string') {
    if (content === '')
      fail(`${at}: all messages must have non-empty content except for the optional final assistant message`);
    return [{ type: 'text', text: content }];
  }
  if (!Array.isArray(content)) fail(`${at}.content: Input should be a valid string or list`);
  return content.map((block, index) => {
    if (!isJsonObject(block) || typeof block.type !== 'string') fail(`${at}.content.${index}.type: Field required`);
    if (block.type === 'text' && (typeof block.text !== 'string' || block.text === '')) {
      fail(`${at}.content.${index}: text content blocks must be non-empty`);
    }
    return block;
  });
}

function readAssistantBlocks(
  blocks: readonly JsonObject[],
  at: string,
  seenCallIds: Set<string>,
  promptTexts: string[],
): string[] {
  const calls: string[] = [];
  for (const [index, block] of blocks.entries()) {
    const here = `${at}.content.${index}`;
    switch (block.type) {
      case 'text':
        promptTexts.push(block.text as string);
        break;
      case 'tool_use': {
        if (typeof block.id !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(block.id))
          fail(`${here}.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
        if (typeof block.name !== 'string') fail(`${here}.name: Field required`);
        if (!isJsonObject(block.input)) fail(`${here}.input: Input should be a valid dictionary`);
        if (seenCallIds.has(block.id)) fail(`${here}: \`tool_use\` ids must be unique`);
        seenCallIds.add(block.id);
        calls.push(block.id);
        promptTexts.push(JSON.stringify(block.input));
        break;
      }
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        fail(`${here}.type: '${String(block.type)}' blocks are not allowed in assistant messages`);
    }
  }
  return calls;
}

interface UserTurn {
  text: string;
  images: MockImage[];
  toolResults: MockToolResult[];
}

function readUserBlocks(
  blocks: readonly JsonObject[],
  at: string,
  pendingCalls: readonly string[],
  promptTexts: string[],
): UserTurn {
  const turn: UserTurn = { text: '', images: [], toolResults: [] };
  for (const [index, block] of blocks.entries()) {
    const here = `${at}.content.${index}`;
    switch (block.type) {
      case 'text':
        turn.text += block.text as string;
        promptTexts.push(block.text as string);
        break;
      case 'image':
        turn.images.push(readImage(block.source, `${here}.source`));
        break;
      case 'document':
        if (!isJsonObject(block.source)) fail(`${here}.source: Field required`);
        break;
      case 'tool_result': {
        const id = block.tool_use_id;
        if (typeof id !== 'string') fail(`${here}.tool_use_id: Field required`);
        if (!pendingCalls.includes(id)) {
          fail(
            `${here}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. ` +
              'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
          );
        }
        const content = blocksText(block.content);
        promptTexts.push(content);
        turn.toolResults.push({ name: undefined, callId: id, content });
        break;
      }
      default:
        fail(`${here}.type: '${String(block.type)}' blocks are not allowed in user messages`);
    }
  }
  return turn;
}

function readImage(source: unknown, at: string): MockImage {
  if (!isJsonObject(source)) fail(`${at}: Field required`);
  if (source.type === 'url') {
    if (typeof source.url !== 'string' || !/^https?:\/\//.test(source.url))
      fail(`${at}.url: Input should be a valid URL`);
    return { url: source.url };
  }
  if (source.type !== 'base64') fail(`${at}.type: Input should be 'base64', 'url' or 'file'`);
  const mediaType = source.media_type;
  if (typeof mediaType !== 'string' || !IMAGE_MEDIA_TYPES.has(mediaType)) {
    fail(`${at}.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
  }
  const image = typeof source.data === 'string' ? dataUriImage(`data:${mediaType};base64,${source.data}`) : undefined;
  if (image === undefined || image.bytes === 0) fail(`${at}.data: The image data is not valid base64.`);
  return image;
}

/** Text of a string or of the text blocks of a content array (system prompt, message or tool result content). */
export function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const block of content) {
    if (isJsonObject(block) && block.type === 'text' && typeof block.text === 'string') text += block.text;
  }
  return text;
}
