import { isJsonObject, type JsonObject, tokenCount } from '../json';
import { FrameList, jsonPieces, type StreamFrame, textPieces } from '../stream-frames';

function event(frames: FrameList, payload: JsonObject & { type: string }, chars = 0): void {
  frames.add(payload, chars, payload.type);
}

/** One content block: its start (empty), its text or input JSON in pieces, its stop. */
function addBlock(frames: FrameList, block: JsonObject, index: number): void {
  if (block.type === 'tool_use') {
    const name = typeof block.name === 'string' ? block.name : '';
    event(frames, { type: 'content_block_start', index, content_block: { ...block, input: {} } }, name.length);
    for (const piece of jsonPieces(JSON.stringify(block.input ?? {}))) {
      const delta = { type: 'input_json_delta', partial_json: piece };
      event(frames, { type: 'content_block_delta', index, delta }, piece.length);
    }
  } else {
    event(frames, { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    for (const piece of textPieces(typeof block.text === 'string' ? block.text : '')) {
      event(frames, { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }, piece.length);
    }
  }
  event(frames, { type: 'content_block_stop', index });
}

/**
 * A Messages API body as Anthropic streams it: `message_start` (the message without content, with the input
 * tokens), a `ping`, each content block in pieces, `message_delta` (stop reason and output tokens), `message_stop`.
 */
export function messageStreamEvents(body: unknown): StreamFrame[] {
  const message = isJsonObject(body) ? body : {};
  const { content, stop_reason: stopReason, stop_sequence: stopSequence, ...rest } = message;
  const usage = isJsonObject(message.usage) ? message.usage : {};
  const outputTokens = tokenCount(usage, 'output_tokens');
  const frames = new FrameList();
  const opening = {
    ...rest,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...usage, output_tokens: 0 },
  };
  event(frames, { type: 'message_start', message: opening });
  event(frames, { type: 'ping' });
  const blocks = Array.isArray(content) ? content.filter(isJsonObject) : [];
  for (const [index, block] of blocks.entries()) addBlock(frames, block, index);
  const delta = { stop_reason: stopReason, stop_sequence: stopSequence ?? null };
  event(frames, { type: 'message_delta', delta, usage: { output_tokens: outputTokens } });
  event(frames, { type: 'message_stop' });
  return frames.build(outputTokens);
}
