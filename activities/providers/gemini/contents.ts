/**
 * The conversation of a normalised request in Gemini's terms: one `systemInstruction` and `user`/`model` turns of
 * parts — text, inline bytes, file references, function calls and function responses.
 */

import type { Content, Part } from '@google/genai';
import type { ChatMessage, ChatToolMessage, ChatUserPart } from '../../../src/contract/chat';
import { FailureType } from '../../../src/contract/failure-types';
import { messageTexts } from '../conversation-turns';
import { isRecord, parseJsonSafely } from '../json-fields';
import { ProviderError } from '../provider-error';

/** The request's messages as Gemini takes them. */
export interface GeminiConversation {
  /** System and developer messages, in order, joined by a blank line; `undefined` when there are none. */
  systemInstruction: string | undefined;
  contents: Content[];
}

/** Media types Gemini needs for a file given by URL, by the URL path's extension. */
const MEDIA_TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  wav: 'audio/wav',
  mp3: 'audio/mp3',
};

/** The media types of OpenAI's `input_audio.format`. */
const AUDIO_MEDIA_TYPES: Readonly<Record<'wav' | 'mp3', string>> = { wav: 'audio/wav', mp3: 'audio/mp3' };

function invalidRequest(message: string): ProviderError {
  return new ProviderError(FailureType.InvalidRequest, message, { status: 400 });
}

/**
 * Splits the messages into Gemini's system instruction and turns. System and developer messages are hoisted
 * wherever they appear, as Gemini has no in-conversation system role. Consecutive messages of the same Gemini
 * role are merged into one turn: that is how several tool results answer one model turn of parallel calls, and
 * it keeps the strict user/model alternation the API expects. Messages with nothing to send are left out.
 */
export function toGeminiConversation(messages: readonly ChatMessage[]): GeminiConversation {
  const systemTexts: string[] = [];
  const contents: Content[] = [];
  // Gemini's functionResponse carries the function's name, which OpenAI's tool message does not: it is found
  // from the assistant call with the same id.
  const calledNames = new Map<string, string>();
  for (const message of messages) {
    let role: 'user' | 'model';
    let parts: Part[];
    switch (message.role) {
      case 'system':
      case 'developer': {
        const texts = messageTexts(message);
        if (texts.length > 0) systemTexts.push(texts.join('\n'));
        continue;
      }
      case 'user':
        role = 'user';
        parts = typeof message.content === 'string' ? textParts(message.content) : message.content.flatMap(userPart);
        break;
      case 'assistant':
        role = 'model';
        parts = messageTexts(message).map((text) => ({ text }));
        for (const call of message.tool_calls ?? []) {
          calledNames.set(call.id, call.function.name);
          parts.push({
            functionCall: { id: call.id, name: call.function.name, args: parseArguments(call.function.arguments) },
          });
        }
        break;
      case 'tool':
        role = 'user';
        parts = [functionResponsePart(message, calledNames)];
        break;
    }
    if (parts.length === 0) continue;
    const previous = contents[contents.length - 1];
    if (previous?.role === role) previous.parts?.push(...parts);
    else contents.push({ role, parts });
  }
  return { systemInstruction: systemTexts.length > 0 ? systemTexts.join('\n\n') : undefined, contents };
}

function textParts(text: string): Part[] {
  // Gemini rejects empty text parts, and an empty part carries nothing.
  return text === '' ? [] : [{ text }];
}

function userPart(part: ChatUserPart): Part[] {
  switch (part.type) {
    case 'text':
      return textParts(part.text);
    case 'image_url':
      return [mediaPart(part.image_url.url, 'image_url.url')];
    case 'input_audio':
      return [{ inlineData: { mimeType: AUDIO_MEDIA_TYPES[part.input_audio.format], data: part.input_audio.data } }];
    case 'file': {
      const data = part.file.file_data;
      // A file id names a file in OpenAI's storage, which Gemini cannot read.
      if (data === undefined) throw invalidRequest('Gemini cannot read a file by file_id; send it as file_data.');
      return [mediaPart(data, 'file.file_data')];
    }
  }
}

/** A `data:` URI becomes inline bytes; any other URL a file reference whose media type comes from its extension. */
function mediaPart(uri: string, field: string): Part {
  const inline = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s.exec(uri);
  if (inline?.[1] !== undefined && inline[2] !== undefined) {
    return { inlineData: { mimeType: inline[1], data: inline[2] } };
  }
  if (uri.startsWith('data:')) throw invalidRequest(`Gemini needs ${field} data URIs in base64 with a media type.`);
  const mimeType = mediaTypeOfUrl(uri);
  if (mimeType === undefined) {
    throw invalidRequest(`Gemini needs the media type of ${field} ${uri}, and its extension names none it knows.`);
  }
  return { fileData: { fileUri: uri, mimeType } };
}

function mediaTypeOfUrl(uri: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(uri).pathname;
  } catch {
    return undefined;
  }
  const extension = /\.([A-Za-z0-9]+)$/.exec(pathname)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : MEDIA_TYPES_BY_EXTENSION[extension];
}

/** The API rejects unparseable arguments before a job starts; a non-object still becomes Gemini's required object. */
function parseArguments(text: string): Record<string, unknown> {
  const parsed = parseJsonSafely(text);
  return isRecord(parsed) ? parsed : {};
}

function functionResponsePart(message: ChatToolMessage, calledNames: ReadonlyMap<string, string>): Part {
  const name = calledNames.get(message.tool_call_id);
  if (name === undefined) {
    throw invalidRequest(
      `The tool message answers tool_call_id ${message.tool_call_id}, which no earlier assistant message called.`,
    );
  }
  const text = typeof message.content === 'string' ? message.content : message.content.map((p) => p.text).join('');
  const parsed = parseJsonSafely(text);
  // Gemini's `response` must be an object: a JSON object result is passed as is, anything else wrapped.
  const response = isRecord(parsed) ? parsed : { content: text };
  return { functionResponse: { id: message.tool_call_id, name, response } };
}
