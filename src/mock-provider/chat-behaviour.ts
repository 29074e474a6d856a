import { completeText, estimateTokens, type Completion } from './content';
import { instanceOfSchema } from './json-instance';
import { type JsonObject } from './json';

/**
 * What the mock answers a chat request with, in wire-neutral terms: each provider folder reads its own
 * request format into a {@link MockChatInput} and writes the {@link MockChatOutput} back in its own format.
 * The rules are deterministic, so tests can predict every answer:
 * - the conversation ends with tool results → a text answer that quotes them;
 * - tools are offered (and the tool choice allows a call) → a call of the named or first tool, with
 *   arguments generated from its parameter schema and the words of the last user message;
 * - a JSON schema is asked for → a JSON text that satisfies it; JSON mode → a JSON object;
 * - otherwise the usual echo reply, which mentions the images the last user message carried.
 */
export interface MockChatInput {
  model: string;
  /** The last user message's text, with its `[[mock:…]]` directives removed. */
  lastUserText: string;
  /** Tools offered, in request order. */
  tools: MockTool[];
  toolChoice: MockToolChoice;
  /** Tool results at the end of the conversation (after the last assistant turn), in order. */
  toolResults: MockToolResult[];
  responseFormat: MockResponseFormat;
  /** Images in the last user message. */
  images: MockImage[];
  /** The request's output limit, when it has one. */
  maxTokens: number | undefined;
  /** The `output-tokens` directive. */
  outputTokens: number | undefined;
}

export interface MockTool {
  name: string;
  /** JSON Schema of the arguments. */
  parameters: JsonObject | undefined;
}

export type MockToolChoice = 'auto' | 'required' | 'none' | { name: string };

export interface MockToolResult {
  /** The tool's name when the wire carries it (Gemini), else undefined. */
  name: string | undefined;
  /** The call id it answers, when the wire carries one. */
  callId: string | undefined;
  content: string;
}

export type MockResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; schema: unknown };

/** An image as the request carried it: inline bytes (with their media type) or a URL. */
export type MockImage = { mediaType: string; bytes: number } | { url: string };

export type MockChatOutput =
  | { kind: 'tool_calls'; calls: Array<{ name: string; arguments: JsonObject }>; tokens: number }
  | ({ kind: 'text' } & Completion);

/** The mock's answer to one chat request. */
export function answerChat(input: MockChatInput): MockChatOutput {
  if (input.toolResults.length === 0) {
    const tool = chosenTool(input);
    if (tool) {
      const args = instanceOfSchema(tool.parameters ?? { type: 'object', properties: {} }, input.lastUserText);
      const argumentsObject =
        typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as JsonObject) : {};
      return {
        kind: 'tool_calls',
        calls: [{ name: tool.name, arguments: argumentsObject }],
        tokens: estimateTokens(JSON.stringify(argumentsObject)) + 5,
      };
    }
  }
  const text = replyText(input);
  if (text !== undefined) {
    // A JSON answer is never cut: a truncated JSON text would fail the caller's parse for a reason no real
    // model would give at this length.
    return { kind: 'text', text, tokens: estimateTokens(text), truncated: false };
  }
  if (input.toolResults.length > 0) {
    return { kind: 'text', ...completeText(input.model, toolResultsText(input), input.maxTokens, input.outputTokens) };
  }
  const preface = imagesPreface(input.images);
  return {
    kind: 'text',
    ...completeText(input.model, input.lastUserText, input.maxTokens, input.outputTokens, preface),
  };
}

function chosenTool(input: MockChatInput): MockTool | undefined {
  if (input.toolChoice === 'none' || input.tools.length === 0) return undefined;
  if (typeof input.toolChoice === 'object') {
    const { name } = input.toolChoice;
    return input.tools.find((tool) => tool.name === name);
  }
  return input.tools[0];
}

/** The JSON text a structured-output request gets, or undefined for a plain text answer. */
function replyText(input: MockChatInput): string | undefined {
  const seed = input.toolResults.length > 0 ? input.toolResults.map((r) => r.content).join(' ') : input.lastUserText;
  switch (input.responseFormat.type) {
    case 'json_schema':
      return JSON.stringify(instanceOfSchema(input.responseFormat.schema, seed));
    case 'json_object':
      return JSON.stringify({ model: input.model, reply: seed.replace(/\s+/g, ' ').trim().slice(0, 80) });
    default:
      return undefined;
  }
}

function toolResultsText(input: MockChatInput): string {
  return input.toolResults
    .map((result) => `${result.name ?? result.callId ?? 'tool'} returned ${result.content.replace(/\s+/g, ' ').trim()}`)
    .join('; ');
}

/** What the mock "sees" in the images, before the echo of the question: "I see an image (image/png, 68 bytes). ". */
function imagesPreface(images: readonly MockImage[]): string {
  if (images.length === 0) return '';
  const described = images.map((image) =>
    'url' in image ? `an image at ${image.url}` : `an image (${image.mediaType}, ${image.bytes} bytes)`,
  );
  return `I see ${described.join(' and ')}. `;
}

/** Bytes and media type of a `data:` URI, or undefined when it is not a base64 data URI. */
export function dataUriImage(uri: string): { mediaType: string; bytes: number } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+);base64,([A-Za-z0-9+/=]*)$/.exec(uri);
  if (!match || match[1] === undefined || match[2] === undefined) return undefined;
  return { mediaType: match[1], bytes: Buffer.from(match[2], 'base64').length };
}
