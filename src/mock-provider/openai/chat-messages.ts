/**
 * The messages of a chat completions request, read the way the real endpoint checks them: roles, text and
 * media parts, assistant tool calls and the tool messages that must answer them.
 */
import { dataUriImage, type MockChatInput, type MockImage } from '../chat-behaviour';
import { isJsonObject } from '../json';
import { invalid } from './invalid-request';

/** What the answer needs from the messages. */
export interface Conversation {
  /** Text of every message (content, tool calls, tool results), for the prompt token count. */
  texts: string[];
  allText: string;
  lastUserText: string;
  lastUserImages: MockImage[];
  imageCount: number;
  toolResults: MockChatInput['toolResults'];
}

export function readMessages(messages: readonly unknown[]): Conversation {
  const texts: string[] = [];
  let lastUserText = '';
  let lastUserImages: MockImage[] = [];
  let imageCount = 0;
  const namesById = new Map<string, string>();
  // Calls of the latest assistant message that no tool message has answered yet.
  let pending = new Set<string>();
  let toolResults: MockChatInput['toolResults'] = [];

  for (const [index, message] of messages.entries()) {
    if (!isJsonObject(message) || typeof message.role !== 'string') {
      invalid(`Invalid 'messages[${index}]': expected an object with a 'role'.`);
    }
    const { role } = message;
    if (role !== 'tool' && pending.size > 0) unanswered(pending);
    if (role !== 'tool') toolResults = [];
    switch (role) {
      case 'system':
      case 'developer':
        texts.push(textContent(message.content, index));
        break;
      case 'user': {
        const read = userContent(message.content, index);
        texts.push(read.text);
        lastUserText = read.text;
        lastUserImages = read.images;
        imageCount += read.images.length;
        break;
      }
      case 'assistant': {
        const content = message.content;
        const calls = readAssistantCalls(message.tool_calls, index);
        if ((content === undefined || content === null) && calls.length === 0) {
          invalid(`Invalid 'messages[${index}]': an assistant message needs 'content' or 'tool_calls'.`);
        }
        texts.push(content === undefined || content === null ? '' : textContent(content, index));
        for (const call of calls) {
          texts.push(call.name, call.arguments);
          namesById.set(call.id, call.name);
        }
        pending = new Set(calls.map((call) => call.id));
        break;
      }
      case 'tool': {
        const id = message.tool_call_id;
        if (typeof id !== 'string') invalid(`Missing required parameter: 'messages[${index}].tool_call_id'.`);
        if (!pending.has(id)) {
          invalid(
            `Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (messages[${index}].tool_call_id '${id}').`,
          );
        }
        pending.delete(id);
        const content = textContent(message.content, index);
        texts.push(content);
        toolResults.push({ name: namesById.get(id), callId: id, content });
        break;
      }
      default:
        invalid(
          `Invalid value for 'messages[${index}].role': expected 'system', 'developer', 'user', 'assistant' or 'tool'.`,
        );
    }
  }
  if (pending.size > 0) unanswered(pending);
  return {
    texts,
    allText: texts.join('\n'),
    lastUserText,
    lastUserImages,
    imageCount,
    toolResults,
  };
}

function unanswered(pending: ReadonlySet<string>): never {
  invalid(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
  );
}

interface AssistantCall {
  id: string;
  name: string;
  arguments: string;
}

function readAssistantCalls(raw: unknown, index: number): AssistantCall[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) invalid(`Invalid 'messages[${index}].tool_calls': expected an array.`);
  return raw.map((call, position): AssistantCall => {
    const where = `messages[${index}].tool_calls[${position}]`;
    if (!isJsonObject(call) || typeof call.id !== 'string') invalid(`Missing required parameter: '${where}.id'.`);
    if (call.type !== 'function') invalid(`Invalid value for '${where}.type': expected 'function'.`);
    const fn = call.function;
    if (!isJsonObject(fn) || typeof fn.name !== 'string')
      invalid(`Missing required parameter: '${where}.function.name'.`);
    if (typeof fn.arguments !== 'string') invalid(`Invalid '${where}.function.arguments': expected a JSON string.`);
    return { id: call.id, name: fn.name, arguments: fn.arguments };
  });
}

/** Content that may only hold text: a string or text parts. */
function textContent(content: unknown, index: number): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) invalid(`Invalid 'messages[${index}].content': expected a string or an array of parts.`);
  let text = '';
  for (const [position, part] of content.entries()) {
    if (isJsonObject(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
    else if (isJsonObject(part) && part.type === 'refusal' && typeof part.refusal === 'string') text += part.refusal;
    else invalid(`Invalid 'messages[${index}].content[${position}]': expected a text part.`);
  }
  return text;
}

function userContent(content: unknown, index: number): { text: string; images: MockImage[] } {
  if (typeof content === 'string') return { text: content, images: [] };
  if (!Array.isArray(content)) invalid(`Invalid 'messages[${index}].content': expected a string or an array of parts.`);
  let text = '';
  const images: MockImage[] = [];
  for (const [position, part] of content.entries()) {
    const where = `messages[${index}].content[${position}]`;
    if (!isJsonObject(part)) invalid(`Invalid '${where}': expected an object.`);
    switch (part.type) {
      case 'text':
        if (typeof part.text !== 'string') invalid(`Missing required parameter: '${where}.text'.`);
        text += part.text;
        break;
      case 'image_url':
        images.push(readImage(part.image_url, where));
        break;
      case 'input_audio':
        if (!isJsonObject(part.input_audio) || typeof part.input_audio.data !== 'string') {
          invalid(`Missing required parameter: '${where}.input_audio.data'.`);
        }
        if (part.input_audio.format !== 'wav' && part.input_audio.format !== 'mp3') {
          invalid(`Invalid value for '${where}.input_audio.format': expected 'wav' or 'mp3'.`);
        }
        break;
      case 'file':
        if (
          !isJsonObject(part.file) ||
          (typeof part.file.file_data !== 'string' && typeof part.file.file_id !== 'string')
        ) {
          invalid(`Invalid '${where}.file': expected 'file_data' or 'file_id'.`);
        }
        break;
      default:
        invalid(`Invalid value for '${where}.type': expected 'text', 'image_url', 'input_audio' or 'file'.`);
    }
  }
  return { text, images };
}

function readImage(raw: unknown, where: string): MockImage {
  if (!isJsonObject(raw) || typeof raw.url !== 'string')
    invalid(`Missing required parameter: '${where}.image_url.url'.`);
  const { url, detail } = raw;
  if (detail !== undefined && detail !== 'auto' && detail !== 'low' && detail !== 'high') {
    invalid(`Invalid value for '${where}.image_url.detail': expected 'auto', 'low' or 'high'.`);
  }
  if (url.startsWith('data:')) {
    const image = dataUriImage(url);
    if (image === undefined || !image.mediaType.startsWith('image/')) {
      invalid(
        `Invalid '${where}.image_url.url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value that is not.`,
      );
    }
    return image;
  }
  if (!/^https?:\/\/\S+$/.test(url))
    invalid(`Invalid '${where}.image_url.url': expected an http(s) URL or a data URL.`);
  return { url };
}
