import type { ChatCompletion, ChatToolCall, ChatUsage } from '../contract/chat';
import type { ChatStreamDelta } from '../contract/chat-stream';

/** What every chunk of one streamed completion shares. */
export interface ChunkFrame {
  id: string;
  created: number;
  model: string;
  /** `stream_options.include_usage`: then every chunk carries `usage: null` and a last one the usage. */
  includeUsage: boolean;
}

/** OpenAI's `chat.completion.chunk` of some choices' pieces. */
export function chunkOf(frame: ChunkFrame, deltas: readonly ChatStreamDelta[]): Record<string, unknown> {
  return {
    id: frame.id,
    object: 'chat.completion.chunk',
    created: frame.created,
    model: frame.model,
    system_fingerprint: null,
    choices: deltas.map((piece) => ({
      index: piece.index,
      delta: piece.delta,
      logprobs: null,
      finish_reason: piece.finish_reason ?? null,
    })),
    ...(frame.includeUsage ? { usage: null } : {}),
  };
}

/** The last chunk when usage was asked for: no choices, the completion's usage. */
export function usageChunkOf(frame: ChunkFrame, usage: ChatUsage): Record<string, unknown> {
  return { ...chunkOf(frame, []), usage };
}

/** Characters of content per synthesized piece: a whole answer is sent in pieces of a few words, as a model's. */
const PIECE_CHARS = 24;

/** Splits `text` after a space at most `PIECE_CHARS` along, so that words stay whole where they can. */
function pieces(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > PIECE_CHARS) {
    const space = rest.lastIndexOf(' ', PIECE_CHARS);
    const cut = space > 0 ? space + 1 : PIECE_CHARS;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest !== '') out.push(rest);
  return out;
}

/** A tool call in one piece: its id, name and whole arguments. */
function wholeCall(call: ChatToolCall, index: number): NonNullable<ChatStreamDelta['delta']['tool_calls']>[number] {
  return {
    index,
    id: call.id,
    type: 'function',
    function: { name: call.function.name, arguments: call.function.arguments },
  };
}

/**
 * The pieces that stream `choice`'s message from `from` on: what of its content and refusal was not sent yet, its
 * tool calls (whole, when none was sent), and its finish. Used for answers that arrive whole (a cache hit, a
 * provider without streaming, a journaled answer) and to complete a stream whose last tokens were not relayed.
 */
export function remainingDeltas(
  choice: ChatCompletion['choices'][number],
  from: { role: boolean; content: string; refusal: string; toolCalls: boolean },
): ChatStreamDelta[] {
  const index = choice.index;
  const out: ChatStreamDelta[] = [];
  if (!from.role) out.push({ index, delta: { role: 'assistant', content: '' } });
  for (const text of pieces((choice.message.content ?? '').slice(from.content.length))) {
    out.push({ index, delta: { content: text } });
  }
  const refusal = (choice.message.refusal ?? '').slice(from.refusal.length);
  if (refusal !== '') out.push({ index, delta: { refusal } });
  const calls = choice.message.tool_calls ?? [];
  if (!from.toolCalls && calls.length > 0) out.push({ index, delta: { tool_calls: calls.map(wholeCall) } });
  out.push({ index, delta: {}, finish_reason: choice.finish_reason });
  return out;
}

/** Every piece of a whole completion, choice by choice. */
export function wholeDeltas(completion: ChatCompletion): ChatStreamDelta[] {
  return completion.choices.flatMap((choice) =>
    remainingDeltas(choice, { role: false, content: '', refusal: '', toolCalls: false }),
  );
}
