import type { ChatMessage } from '../../src/contract/chat';

/** One turn of a conversation for providers that take the system prompt apart and need strict alternation. */
export interface ConversationTurn {
  role: 'user' | 'assistant';
  /** The turn's text, one entry per text part of every message merged into it; never empty strings. */
  texts: string[];
}

/** A chat split the way Anthropic and Gemini want it: one system prompt plus alternating turns. */
export interface Conversation {
  /** System and developer messages, in order, joined by a blank line; `undefined` when there are none. */
  system: string | undefined;
  turns: ConversationTurn[];
}

/** The non-empty text parts of a message, in order. */
export function messageTexts(message: ChatMessage): string[] {
  const { content } = message;
  const texts =
    typeof content === 'string'
      ? [content]
      : (content ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : []));
  // Both Anthropic and Gemini reject empty text blocks, and an empty part carries nothing.
  return texts.filter((text) => text !== '');
}

/**
 * Splits OpenAI-shaped messages into a system prompt and alternating turns. System and developer messages
 * are hoisted wherever they appear, because neither Anthropic nor Gemini has an in-conversation system
 * role. Consecutive messages of the same role are merged, keeping each text as its own part, because
 * Anthropic rejects two user (or two assistant) messages in a row.
 */
export function toConversation(messages: readonly ChatMessage[]): Conversation {
  const systemTexts: string[] = [];
  const turns: ConversationTurn[] = [];
  for (const message of messages) {
    const texts = messageTexts(message);
    if (message.role === 'system' || message.role === 'developer') {
      if (texts.length > 0) systemTexts.push(texts.join('\n'));
      continue;
    }
    if (texts.length === 0) continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const previous = turns[turns.length - 1];
    if (previous?.role === role) previous.texts.push(...texts);
    else turns.push({ role, texts });
  }
  return { system: systemTexts.length > 0 ? systemTexts.join('\n\n') : undefined, turns };
}
