import { answerChat } from '../chat-behaviour';
import { estimateTokensOf } from '../content';
import { type JsonObject, readTokenLimit } from '../json';
import { type MockEndpoint, type MockProviderRoutes, type ParseResult, type ReplyContext } from '../provider';
import { readAnthropicChat } from './chat-input';
import { messageStreamEvents } from './message-stream';
import { anthropicWire } from './wire';

/** `toolu_…` ids: unique per answer (the sequence) and per call within it, and the same for the same request order. */
function toolUseId(sequence: number, index: number): string {
  return `toolu_mock${sequence.toString(16).padStart(16, '0')}${index.toString(16).padStart(2, '0')}`;
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
  if (stream !== undefined && typeof stream !== 'boolean')
    return { ok: false, message: 'stream: Input should be a valid boolean' };

  const read = readAnthropicChat(body);
  if (!read.ok) return read;
  const inputTokens = estimateTokensOf(read.promptTexts);

  return {
    ok: true,
    call: {
      model,
      lastUserText: read.lastUserText,
      ...(stream === true ? { stream: messageStreamEvents } : {}),
      succeed(ctx: ReplyContext, cleanText: string) {
        const output = answerChat({
          ...read.input,
          model,
          lastUserText: cleanText,
          maxTokens,
          outputTokens: ctx.outputTokens,
        });
        const answer =
          output.kind === 'tool_calls'
            ? {
                content: output.calls.map((call, index) => ({
                  type: 'tool_use',
                  id: toolUseId(ctx.sequence, index),
                  name: call.name,
                  input: call.arguments,
                })),
                stop_reason: 'tool_use',
              }
            : {
                content: [{ type: 'text', text: output.text }],
                stop_reason: output.truncated ? 'max_tokens' : 'end_turn',
              };
        return {
          id: `msg_mock${ctx.sequence.toString(16).padStart(16, '0')}`,
          type: 'message',
          role: 'assistant',
          model,
          ...answer,
          stop_sequence: null,
          usage: {
            input_tokens: inputTokens,
            output_tokens: output.tokens,
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
