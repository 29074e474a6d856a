/**
 * How much input a request carries, measured so that token estimates bound it from above: the text the model
 * reads (messages, names, tool schemas, tool calls and results), how many images it has, and the bytes of
 * other inline data (audio, files). Shared by the API's reservation and the worker's key-pool limits.
 */
import type { ChatRequest, ProviderType } from './chat';

export interface RequestFootprint {
  /** Everything read as text, in order: message text, names, tool-call JSON, tool schemas as JSON. */
  texts: string[];
  /** Image parts (by URL or data URI): each costs a fixed bound, whatever its size. */
  images: number;
  /** Base64 characters of inline audio and files, which providers tokenise by their decoded content. */
  inlineDataChars: number;
  messages: number;
}

/** The footprint of `request`; see `RequestFootprint`. */
export function footprintOf(request: ChatRequest): RequestFootprint {
  const texts: string[] = [];
  let images = 0;
  let inlineDataChars = 0;
  for (const message of request.messages) {
    if ('name' in message && message.name !== undefined) texts.push(message.name);
    if (message.role === 'tool') texts.push(message.tool_call_id);
    if (message.role === 'assistant') {
      if (message.refusal) texts.push(message.refusal);
      // The provider renders each call as its name, id and arguments: the JSON text bounds all three.
      for (const call of message.tool_calls ?? []) texts.push(JSON.stringify(call));
    }
    const content = message.content;
    if (content === null || content === undefined) continue;
    if (typeof content === 'string') {
      texts.push(content);
      continue;
    }
    for (const part of content) {
      if (part.type === 'text') texts.push(part.text);
      else if (part.type === 'refusal') texts.push(part.refusal);
      else if (part.type === 'image_url') images += 1;
      else if (part.type === 'input_audio') inlineDataChars += part.input_audio.data.length;
      else {
        inlineDataChars += part.file.file_data?.length ?? 0;
        texts.push(part.file.filename ?? '', part.file.file_id ?? '');
      }
    }
  }
  // Tool definitions reach the model as text (their JSON or a rendering of it that is no longer).
  if (request.tools && request.tools.length > 0) texts.push(JSON.stringify(request.tools));
  if (request.tool_choice !== undefined) texts.push(JSON.stringify(request.tool_choice));
  if (request.response_format?.type === 'json_schema') texts.push(JSON.stringify(request.response_format));
  return { texts, images, inlineDataChars, messages: request.messages.length };
}

/**
 * Input tokens one image may cost at most, by model family, when the price table gives no bound of its own.
 * gpt-4o-mini counts image tiles at many times the tokens of other OpenAI models, so its bound is the largest;
 * Anthropic and Gemini scale large images down before counting them, so theirs are small.
 */
export function defaultImageTokens(providerType: ProviderType, model: string): number {
  if (providerType === 'anthropic' || /^claude/i.test(model)) return 1_600;
  if (providerType === 'gemini' || /^(models\/)?gemini/i.test(model)) return 1_100;
  if (/^gpt-4o-mini/i.test(model)) return 25_600;
  return 3_000;
}

/** The largest bound on one image's tokens of any model family. */
export const MAX_IMAGE_TOKENS = 25_600;

/**
 * The bound on one image's tokens when only a model's name is known (its provider type is not): the family's
 * bound for a name of a known family, else the largest of any family, since the name may be a route or alias.
 */
export function imageTokensByName(model: string): number {
  const bare = model.slice(model.indexOf(':') + 1).replace(/^models\//, '');
  if (/^claude/i.test(bare)) return defaultImageTokens('anthropic', bare);
  if (/^gemini/i.test(bare)) return defaultImageTokens('gemini', bare);
  if (/^(gpt-|o\d)/i.test(bare)) return defaultImageTokens('openai', bare);
  return MAX_IMAGE_TOKENS;
}
