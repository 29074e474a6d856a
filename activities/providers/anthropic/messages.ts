/** The normalised conversation as Anthropic's top-level system prompt and alternating user/assistant messages. */

import type Anthropic from '@anthropic-ai/sdk';
import type { ChatAssistantMessage, ChatMessage, ChatToolCall } from '../../../src/contract/chat';
import { messageTexts } from '../conversation-turns';
import { isRecord, parseJsonSafely } from '../json-fields';
import { type AnthropicUserBlock, toUserBlocks, untranslatable } from './content-blocks';

type AssistantBlock = Anthropic.TextBlockParam | Anthropic.ToolUseBlockParam;

type Turn = { role: 'user'; blocks: AnthropicUserBlock[] } | { role: 'assistant'; blocks: AssistantBlock[] };

/** A conversation in Anthropic's shape. */
export interface AnthropicConversation {
  /** System and developer messages, in order, joined by a blank line; `undefined` when there are none. */
  system: string | undefined;
  messages: Anthropic.MessageParam[];
}

/**
 * Splits OpenAI-shaped messages into Anthropic's system prompt and messages. System and developer messages
 * are hoisted wherever they appear (Anthropic has no in-conversation system role). Assistant tool calls
 * become `tool_use` blocks with their ids kept, and tool messages `tool_result` blocks of a user message.
 * Consecutive messages of the same role are merged into one, because Anthropic wants user and assistant
 * to alternate — so several tool results, and a user message that follows them, share one user message.
 */
export function toAnthropicConversation(messages: readonly ChatMessage[]): AnthropicConversation {
  const systemTexts: string[] = [];
  const turns: Turn[] = [];
  const append = (turn: Turn): void => {
    if (turn.blocks.length === 0) return;
    const previous = turns[turns.length - 1];
    if (previous?.role === 'user' && turn.role === 'user') previous.blocks.push(...turn.blocks);
    else if (previous?.role === 'assistant' && turn.role === 'assistant') previous.blocks.push(...turn.blocks);
    else turns.push(turn);
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const texts = messageTexts(message);
        if (texts.length > 0) systemTexts.push(texts.join('\n'));
        break;
      }
      case 'user':
        append({
          role: 'user',
          blocks: typeof message.content === 'string' ? textBlocks([message.content]) : toUserBlocks(message.content),
        });
        break;
      case 'assistant':
        append({ role: 'assistant', blocks: assistantBlocks(message) });
        break;
      case 'tool': {
        const text = messageTexts(message).join('');
        append({
          role: 'user',
          // Anthropic rejects empty text; a tool that returned nothing is a result without content.
          blocks: [{ type: 'tool_result', tool_use_id: message.tool_call_id, ...(text !== '' && { content: text }) }],
        });
        break;
      }
    }
  }
  return {
    system: systemTexts.length > 0 ? systemTexts.join('\n\n') : undefined,
    messages: turns.map(toMessageParam),
  };
}

function textBlocks(texts: readonly string[]): Anthropic.TextBlockParam[] {
  return texts.filter((text) => text !== '').map((text) => ({ type: 'text', text }));
}

function assistantBlocks(message: ChatAssistantMessage): AssistantBlock[] {
  const { content } = message;
  const texts =
    typeof content === 'string'
      ? [content]
      : (content ?? []).map((part) => (part.type === 'text' ? part.text : part.refusal));
  if (texts.length === 0 && typeof message.refusal === 'string') texts.push(message.refusal);
  return [...textBlocks(texts), ...(message.tool_calls ?? []).map(toToolUseBlock)];
}

function toToolUseBlock(call: ChatToolCall): Anthropic.ToolUseBlockParam {
  // Some clients send an empty text for a call without arguments.
  const input = call.function.arguments.trim() === '' ? {} : parseJsonSafely(call.function.arguments);
  if (!isRecord(input)) {
    throw untranslatable(`the arguments of tool call ${call.id} are not a JSON object`);
  }
  return { type: 'tool_use', id: call.id, name: call.function.name, input };
}

function toMessageParam(turn: Turn): Anthropic.MessageParam {
  if (turn.role === 'assistant') return { role: 'assistant', content: simplified(turn.blocks) };
  // Anthropic wants the tool results first in a user message, before any text the user added.
  const results = turn.blocks.filter((block) => block.type === 'tool_result');
  const others = turn.blocks.filter((block) => block.type !== 'tool_result');
  return { role: 'user', content: simplified([...results, ...others]) };
}

/** A lone text block as a plain string, the shortest form Anthropic takes; anything else as blocks. */
function simplified(blocks: Anthropic.ContentBlockParam[]): Anthropic.MessageParam['content'] {
  const [only] = blocks;
  return blocks.length === 1 && only?.type === 'text' ? only.text : blocks;
}
