import { completeText, estimateTokensOf } from '../content';
import { isJsonObject, type JsonObject, readTokenLimit } from '../json';
import { type MockEndpoint, type MockProviderRoutes, type ParseResult, type ReplyContext } from '../provider';
import { anthropicWire } from './wire';

/** Text of a string or of the text blocks of a content array (system prompt or message content). */
function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const block of content) {
    if (isJsonObject(block) && block.type === 'text' && typeof block.text === 'string') text += block.text;
  }
  return text;
}

function parseMessages(body: JsonObject): ParseResult {
  const { model, messages, system, stream } = body;
  if (typeof model !== 'string' || model === '') return { ok: false, message: 'model: Field required' };
  if (body.max_tokens === undefined) return { ok: false, message: 'max_tokens: Field required' };
  const maxTokens = readTokenLimit(body.max_tokens);
  if (maxTokens === 'invalid' || maxTokens === undefined) {
    return { ok: false, message: 'max_tokens: Input should be greater than or equal to 1' };
  }
  if (!Array.isArray(messages)) return { ok: false, message: 'messages: Field required' };
  if (messages.length === 0) return { ok: false, message: 'messages: at least one message is required' };
  if (system !== undefined && typeof system !== 'string' && !Array.isArray(system)) {
    return { ok: false, message: 'system: Input should be a valid string or a list of text blocks' };
  }
  if (stream === true) return { ok: false, message: 'stream: the mock provider does not support streaming' };

  const texts = [blocksText(system)];
  let lastUserText = '';
  for (const [index, message] of messages.entries()) {
    if (!isJsonObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      return { ok: false, message: `messages.${index}.role: Input should be 'user' or 'assistant'` };
    }
    const text = blocksText(message.content);
    texts.push(text);
    if (message.role === 'user') lastUserText = text;
  }
  const inputTokens = estimateTokensOf(texts);

  return {
    ok: true,
    call: {
      model,
      lastUserText,
      succeed(ctx: ReplyContext, cleanText: string) {
        const completion = completeText(model, cleanText, maxTokens, ctx.outputTokens);
        return {
          id: `msg_mock${ctx.sequence.toString(16).padStart(16, '0')}`,
          type: 'message',
          role: 'assistant',
          model,
          content: [{ type: 'text', text: completion.text }],
          stop_reason: completion.truncated ? 'max_tokens' : 'end_turn',
          stop_sequence: null,
          usage: {
            input_tokens: inputTokens,
            output_tokens: completion.tokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            service_tier: 'standard',
          },
        };
      },
    },
  };
}

/** `POST /anthropic/v1/messages` */
export const anthropicMessages: MockEndpoint = { id: 'anthropic.messages', wire: anthropicWire, parse: parseMessages };

/** Anthropic's Messages API, under `/anthropic`: point the SDK's `baseURL` there. */
export const anthropicRoutes: MockProviderRoutes = {
  match: (method, pathname) =>
    method === 'POST' && pathname === '/anthropic/v1/messages'
      ? { endpoint: anthropicMessages, params: {} }
      : undefined,
};
