/**
 * Anthropic's Messages stream events, folded back into the Message they stream, while the answer's pieces go
 * on to the caller in OpenAI's delta terms: text as content, `tool_use` blocks as tool calls, and the input of
 * a structured output's forced tool as content, as `fromAnthropicMessage` reads that tool's call.
 */

import { malformedResponse } from '../classify-error';
import { isRecord, numberField, parseJsonSafely, stringField } from '../json-fields';
import type { DeltaRelay } from '../stream-assembly';
import { JsonCompactor } from './compact-json';

/** One content block as its events have built it so far. */
type BlockState =
  | { kind: 'text'; text: string }
  | {
      kind: 'tool_use';
      id: string;
      name: string;
      json: string;
      /** The call's position among the answer's tool calls; undefined for the structured output's tool. */
      toolIndex: number | undefined;
      compactor: JsonCompactor;
      relayed: boolean;
    }
  /** Thinking and server-tool blocks: kept in the message (the translation skips them), never relayed. */
  | { kind: 'other'; block: Record<string, unknown> };

/** Anthropic streams one message, which becomes OpenAI's choice 0. */
const CHOICE = 0;

/** Folds a Messages stream into a Message for `fromAnthropicMessage`, relaying the answer's pieces. */
export class AnthropicEventFold {
  private events = 0;
  private message: Record<string, unknown> = {};
  private usage: Record<string, unknown> | undefined;
  private readonly blocks = new Map<number, BlockState>();
  private stopReason: string | undefined;
  private toolCalls = 0;
  private structuredBegun = false;
  /** Text held back while a structured answer is expected and its tool has not begun: see `addText`. */
  private heldText: string[] = [];

  /**
   * @param structuredTool - the forced tool of a structured output (`structuredOutputTool`), whose input is the
   *   answer's content.
   */
  constructor(
    private readonly relay: DeltaRelay,
    private readonly structuredTool: string | undefined,
  ) {}

  /** True while no event has been added. */
  get empty(): boolean {
    return this.events === 0;
  }

  get usageReported(): boolean {
    return this.usage !== undefined;
  }

  /** True once the stop reason has arrived (`message_delta`): the stream reached the end of the answer. */
  get finished(): boolean {
    return this.stopReason !== undefined;
  }

  add(event: unknown): void {
    this.events++;
    const type = stringField(event, 'type');
    if (!isRecord(event) || type === undefined) throw malformedResponse('a stream event has no type');
    switch (type) {
      case 'message_start':
        this.start(event['message']);
        return;
      case 'content_block_start':
        this.startBlock(blockIndex(event), event['content_block']);
        return;
      case 'content_block_delta':
        this.addToBlock(blockIndex(event), event['delta']);
        return;
      case 'content_block_stop':
        this.stopBlock(blockIndex(event));
        return;
      case 'message_delta':
        this.stopReason = stringField(event['delta'], 'stop_reason') ?? this.stopReason;
        this.addUsage(event['usage']);
        return;
      default:
        // message_stop, ping, and event types Anthropic may add: its versioning policy says to ignore unknown ones.
        return;
    }
  }

  /**
   * Relays the text held back for a structured answer that never came (the model answered in prose): the
   * non-streamed translation then makes that text the content. Call it once the stream has ended.
   */
  releaseHeldText(): void {
    if (this.structuredBegun) return;
    for (const text of this.heldText) this.relay.send(CHOICE, { content: text });
    this.heldText = [];
  }

  /** The Message the events stream, as the non-streamed call would have received it. */
  body(): Record<string, unknown> {
    const content = [...this.blocks.entries()].sort(([a], [b]) => a - b).map(([index, block]) => blockOf(block, index));
    return {
      ...this.message,
      content,
      stop_reason: this.stopReason ?? null,
      ...(this.usage !== undefined && { usage: this.usage }),
    };
  }

  private start(message: unknown): void {
    if (!isRecord(message)) throw malformedResponse('message_start has no message');
    this.message = message;
    this.addUsage(message['usage']);
  }

  /** Usage counts arrive in `message_start` and, cumulative, in `message_delta`: the later value of a field wins. */
  private addUsage(usage: unknown): void {
    if (!isRecord(usage)) return;
    this.usage ??= {};
    for (const [field, value] of Object.entries(usage)) if (value !== null) this.usage[field] = value;
  }

  private startBlock(index: number, block: unknown): void {
    if (!isRecord(block)) throw malformedResponse(`content block ${index} starts without a block`);
    const type = stringField(block, 'type');
    if (type === 'text') {
      this.blocks.set(index, { kind: 'text', text: '' });
      this.addText(index, stringField(block, 'text') ?? '');
      return;
    }
    if (type !== 'tool_use') {
      this.blocks.set(index, { kind: 'other', block });
      return;
    }
    const id = stringField(block, 'id');
    const name = stringField(block, 'name');
    if (id === undefined || name === undefined) throw malformedResponse('a tool_use block has no id or name');
    const structured = this.structuredTool !== undefined && name === this.structuredTool;
    // The forced call is the answer: any text before it is not part of the non-streamed content either.
    if (structured) this.structuredBegun = true;
    const toolIndex = structured ? undefined : this.toolCalls++;
    this.blocks.set(index, {
      kind: 'tool_use',
      id,
      name,
      json: '',
      toolIndex,
      compactor: new JsonCompactor(),
      relayed: false,
    });
    if (toolIndex !== undefined) {
      this.relay.send(CHOICE, {
        toolCall: { index: toolIndex, id, type: 'function', function: { name, arguments: '' } },
      });
    }
  }

  private addToBlock(index: number, delta: unknown): void {
    const block = this.blocks.get(index);
    if (block === undefined) throw malformedResponse(`content block ${index} has a delta but never started`);
    const type = stringField(delta, 'type');
    if (type === 'text_delta' && block.kind === 'text') {
      this.addText(index, stringField(delta, 'text') ?? '');
    } else if (type === 'input_json_delta' && block.kind === 'tool_use') {
      const json = stringField(delta, 'partial_json') ?? '';
      block.json += json;
      this.relayInput(block, block.compactor.push(json));
    }
    // thinking_delta, signature_delta, citations_delta: nothing the non-streamed answer shows either.
  }

  private stopBlock(index: number): void {
    const block = this.blocks.get(index);
    // A tool called without arguments may stream no input at all; the non-streamed arguments are then `{}`.
    if (block?.kind === 'tool_use' && !block.relayed) this.relayInput(block, JSON.stringify(inputOf(block, index)));
  }

  private addText(index: number, text: string): void {
    const block = this.blocks.get(index);
    if (block?.kind !== 'text' || text === '') return;
    block.text += text;
    // With a structured output expected, text becomes content only if the forced tool never comes; forced tool
    // choice means the model writes none in practice, so holding it back costs nothing.
    if (this.structuredTool === undefined) this.relay.send(CHOICE, { content: text });
    else if (!this.structuredBegun) this.heldText.push(text);
  }

  private relayInput(block: Extract<BlockState, { kind: 'tool_use' }>, piece: string): void {
    if (piece === '') return;
    block.relayed = true;
    if (block.toolIndex === undefined) this.relay.send(CHOICE, { content: piece });
    else this.relay.send(CHOICE, { toolCall: { index: block.toolIndex, function: { arguments: piece } } });
  }
}

function blockIndex(event: Record<string, unknown>): number {
  const index = numberField(event, 'index');
  if (index === undefined) throw malformedResponse(`a ${String(event['type'])} event has no index`);
  return index;
}

function inputOf(block: Extract<BlockState, { kind: 'tool_use' }>, index: number): unknown {
  if (block.json.trim() === '') return {};
  const input = parseJsonSafely(block.json);
  if (input === undefined) throw malformedResponse(`the streamed input of tool_use block ${index} is not JSON`);
  return input;
}

function blockOf(block: BlockState, index: number): Record<string, unknown> {
  switch (block.kind) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: inputOf(block, index) };
    case 'other':
      return block.block;
  }
}
