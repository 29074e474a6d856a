import type { FinishReason } from './chat';

/** A piece of a tool call as it streams: the first piece of a call carries its id and name, later ones more arguments. */
export interface ChatToolCallDelta {
  /** The call's position among the choice's tool calls. */
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/**
 * One piece of a streamed answer, in the terms of OpenAI's `chat.completion.chunk` `choices[i]`: every
 * provider's stream is translated into these, and the gateway sends them on as OpenAI chunks.
 */
export interface ChatStreamDelta {
  /** The choice this piece belongs to. */
  index: number;
  delta: {
    role?: 'assistant';
    content?: string;
    refusal?: string;
    tool_calls?: ChatToolCallDelta[];
  };
  /** Set on the choice's last piece. */
  finish_reason?: FinishReason | null;
}
