/**
 * OpenAI's `chat.completion.chunk` events, folded back into the chat completion body they stream, while each
 * choice's pieces go on to the caller. Chunks are checked rather than trusted, like the non-streamed body.
 */

import type { ChatToolCallDelta } from '../../../src/contract/chat-stream';
import { malformedResponse } from '../classify-error';
import { isRecord, numberField, stringField } from '../json-fields';
import type { DeltaRelay } from '../stream-assembly';

/** A tool call as its pieces have built it so far. */
interface ToolCallState {
  id?: string;
  type?: string;
  name: string;
  arguments: string;
}

/** One choice as its chunks have built it so far. */
interface ChoiceState {
  /** Null until a chunk carries content as a string: a choice that only calls tools has null content. */
  content: string | null;
  refusal: string | null;
  toolCalls: Map<number, ToolCallState>;
  finishReason: string | undefined;
  logprobs: { content: unknown[]; refusal: unknown[] } | undefined;
}

/** Completion fields every chunk repeats; the last value sent wins, as it would in the one body. */
const HEAD_FIELDS = ['id', 'created', 'model', 'system_fingerprint', 'service_tier'] as const;

/** Folds a stream's chunks into a completion body for `toChatCompletion`, relaying each choice's pieces. */
export class OpenAIChunkFold {
  private events = 0;
  private readonly head: Record<string, unknown> = {};
  private readonly choices = new Map<number, ChoiceState>();
  private usage: Record<string, unknown> | undefined;

  constructor(private readonly relay: DeltaRelay) {}

  /** True once a chunk has carried usage (the `include_usage` chunk; some servers put it on the last choice chunk). */
  /** True while no event has been added. */
  get empty(): boolean {
    return this.events === 0;
  }

  get usageReported(): boolean {
    return this.usage !== undefined;
  }

  /** True when every choice has had its finish reason: the stream reached the end of the answer. */
  get finished(): boolean {
    return this.choices.size > 0 && [...this.choices.values()].every((choice) => choice.finishReason !== undefined);
  }

  add(chunk: unknown): void {
    this.events++;
    if (!isRecord(chunk)) throw malformedResponse('a stream chunk is not an object');
    for (const field of HEAD_FIELDS) {
      const value = chunk[field];
      if (value !== undefined && (value !== null || !(field in this.head))) this.head[field] = value;
    }
    if (isRecord(chunk['usage'])) this.usage = chunk['usage'];
    const choices = chunk['choices'];
    if (choices === undefined || choices === null) return;
    if (!Array.isArray(choices)) throw malformedResponse('a stream chunk has a choices field that is not an array');
    for (const [position, choice] of (choices as unknown[]).entries()) this.addChoice(choice, position);
  }

  /** The completion body the chunks stream, as the non-streamed call would have received it. */
  body(): Record<string, unknown> {
    const choices = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, choice]) => ({
        index,
        message: {
          role: 'assistant',
          content: choice.content,
          refusal: choice.refusal,
          ...(choice.toolCalls.size > 0 && { tool_calls: toolCallsOf(choice.toolCalls) }),
        },
        finish_reason: choice.finishReason ?? null,
        logprobs: choice.logprobs ?? null,
      }));
    return { ...this.head, object: 'chat.completion', choices, ...(this.usage !== undefined && { usage: this.usage }) };
  }

  private addChoice(choice: unknown, position: number): void {
    if (!isRecord(choice)) throw malformedResponse(`choice ${position} of a stream chunk is not an object`);
    const index = numberField(choice, 'index') ?? position;
    const state = this.stateOf(index);
    const delta = isRecord(choice['delta']) ? choice['delta'] : {};
    const content = stringField(delta, 'content');
    const refusal = stringField(delta, 'refusal');
    if (content !== undefined) state.content = (state.content ?? '') + content;
    if (refusal !== undefined) state.refusal = (state.refusal ?? '') + refusal;
    this.relay.send(index, { content, refusal });
    const toolCalls = delta['tool_calls'];
    if (Array.isArray(toolCalls)) {
      for (const [callPosition, call] of (toolCalls as unknown[]).entries()) {
        const piece = addToolCallPiece(state.toolCalls, call, callPosition);
        if (piece !== undefined) this.relay.send(index, { toolCall: piece });
      }
    }
    addLogprobs(state, choice['logprobs']);
    const finishReason = stringField(choice, 'finish_reason');
    if (finishReason !== undefined) state.finishReason = finishReason;
  }

  private stateOf(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (state === undefined) {
      state = { content: null, refusal: null, toolCalls: new Map(), finishReason: undefined, logprobs: undefined };
      this.choices.set(index, state);
    }
    return state;
  }
}

/**
 * Adds one tool-call piece to its call and returns it as a delta, or undefined when there is nothing to relay:
 * an empty piece, or a piece of a call that is not a function (OpenAI's custom tools), which `chat()` leaves
 * out as well.
 */
function addToolCallPiece(
  calls: Map<number, ToolCallState>,
  raw: unknown,
  position: number,
): ChatToolCallDelta | undefined {
  if (!isRecord(raw)) throw malformedResponse('a tool call piece of a stream chunk is not an object');
  const index = numberField(raw, 'index') ?? position;
  const call = calls.get(index) ?? { name: '', arguments: '' };
  calls.set(index, call);
  const id = stringField(raw, 'id');
  const type = stringField(raw, 'type');
  const fn = raw['function'];
  const name = stringField(fn, 'name');
  const args = stringField(fn, 'arguments');
  if (id !== undefined) call.id = id;
  if (type !== undefined) call.type = type;
  // The name comes whole with the first piece; servers that repeat it later must not double it.
  if (name !== undefined && name !== '') call.name = name;
  if (args !== undefined) call.arguments += args;
  if (call.type !== undefined && call.type !== 'function') return undefined;
  if (id === undefined && (name === undefined || name === '') && (args === undefined || args === '')) return undefined;
  return {
    index,
    ...(id !== undefined && { id, type: 'function' as const }),
    function: {
      ...(name !== undefined && name !== '' && { name }),
      ...(args !== undefined && { arguments: args }),
    },
  };
}

function toolCallsOf(calls: Map<number, ToolCallState>): unknown[] {
  return [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, call]) => ({
      ...(call.id !== undefined && { id: call.id }),
      type: call.type ?? 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
}

function addLogprobs(state: ChoiceState, raw: unknown): void {
  if (!isRecord(raw)) return;
  state.logprobs ??= { content: [], refusal: [] };
  if (Array.isArray(raw['content'])) state.logprobs.content.push(...(raw['content'] as unknown[]));
  if (Array.isArray(raw['refusal'])) state.logprobs.refusal.push(...(raw['refusal'] as unknown[]));
}
