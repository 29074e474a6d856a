/**
 * The turns of a Gemini `generateContent` body: roles, parts and their data, and the function calls and responses
 * that must pair up, read the way the real API checks them.
 */
import { dataUriImage, type MockChatInput, type MockImage, type MockToolResult } from '../chat-behaviour';
import { isJsonObject } from '../json';
import { fail } from './request-errors';

const PART_DATA_FIELDS = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
];

export interface ReadContents {
  found: Pick<MockChatInput, 'toolResults' | 'images'>;
  lastUserText: string;
}

export function readContents(contents: readonly unknown[], promptTexts: string[]): ReadContents | string {
  let lastUserText = '';
  let images: MockImage[] = [];
  let toolResults: MockToolResult[] = [];
  let callsInLastModelTurn = 0;
  for (const [c, content] of contents.entries()) {
    if (!isJsonObject(content) || !Array.isArray(content.parts)) {
      return `Invalid value at 'contents[${c}]': expected a Content with parts`;
    }
    // A content without a role is the user's, as in the real API.
    const role = content.role ?? 'user';
    if (role !== 'user' && role !== 'model') {
      return `Please use a valid role: user, model.`;
    }
    let text = '';
    const turnImages: MockImage[] = [];
    const turnResults: MockToolResult[] = [];
    let calls = 0;
    for (const [p, part] of content.parts.entries()) {
      const where = `contents[${c}].parts[${p}]`;
      if (!isJsonObject(part) || !PART_DATA_FIELDS.some((field) => part[field] !== undefined)) {
        return fail(`${where}.data`, "required oneof field 'data' must have one initialized field");
      }
      if (typeof part.text === 'string') {
        text += part.text;
        promptTexts.push(part.text);
      }
      const inline = part.inlineData;
      if (inline !== undefined) {
        if (!isJsonObject(inline) || typeof inline.mimeType !== 'string' || typeof inline.data !== 'string') {
          return fail(`${where}.inline_data`, 'mime_type and data are required');
        }
        const image = inline.mimeType.startsWith('image/')
          ? dataUriImage(`data:${inline.mimeType};base64,${inline.data}`)
          : undefined;
        if (inline.mimeType.startsWith('image/') && image === undefined) {
          return `Invalid value at '${where}.inline_data.data' (TYPE_BYTES), Base64 decoding failed`;
        }
        if (image !== undefined) turnImages.push(image);
      }
      const file = part.fileData;
      if (file !== undefined) {
        if (!isJsonObject(file) || typeof file.fileUri !== 'string') {
          return fail(`${where}.file_data.file_uri`, 'file_uri is not specified');
        }
        if (typeof file.mimeType === 'string' && file.mimeType.startsWith('image/'))
          turnImages.push({ url: file.fileUri });
      }
      const call = part.functionCall;
      if (call !== undefined) {
        if (role !== 'model') return fail(`${where}.function_call`, 'function calls are only allowed in model turns');
        if (!isJsonObject(call) || typeof call.name !== 'string') {
          return fail(`${where}.function_call.name`, 'name is not specified');
        }
        calls++;
        promptTexts.push(JSON.stringify(call.args ?? {}));
      }
      const result = part.functionResponse;
      if (result !== undefined) {
        if (role !== 'user') return fail(`${where}.function_response`, 'function responses belong in user turns');
        if (!isJsonObject(result) || typeof result.name !== 'string') {
          return fail(`${where}.function_response.name`, 'name is not specified');
        }
        if (result.response !== undefined && !isJsonObject(result.response)) {
          return fail(`${where}.function_response.response`, 'expected a JSON object');
        }
        const resultText = JSON.stringify(result.response ?? {});
        promptTexts.push(resultText);
        turnResults.push({
          name: result.name,
          callId: typeof result.id === 'string' ? result.id : undefined,
          content: resultText,
        });
      }
    }
    if (role === 'model') {
      callsInLastModelTurn = calls;
      // Tool results count only after the last model turn: earlier ones were answered already.
      toolResults = [];
      continue;
    }
    if (turnResults.length > 0) {
      if (turnResults.length !== callsInLastModelTurn) {
        return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
      }
      toolResults.push(...turnResults);
      callsInLastModelTurn = 0;
    }
    // The person's last words, not a turn of tool results alone: where directives and images are read.
    if (turnResults.length === 0 || text !== '') {
      lastUserText = text;
      images = turnImages;
    }
  }
  return { found: { toolResults, images }, lastUserText };
}
