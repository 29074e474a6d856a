import { isJsonObject, type JsonObject, tokenCount } from '../json';
import { FrameList, jsonPieces, type StreamFrame, textPieces } from '../stream-frames';

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

function field(object: JsonObject, key: string): JsonObject {
  const value = object[key];
  return isJsonObject(value) ? value : {};
}

/** One choice of the completion as chunks: the role, the content or tool calls in pieces, then the finish. */
function addChoice(frames: FrameList, base: JsonObject, choice: JsonObject): void {
  const { index } = choice;
  const message = field(choice, 'message');
  const toolCalls = objects(message.tool_calls);
  const chunk = (delta: JsonObject, finishReason: unknown = null): JsonObject => ({
    ...base,
    choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
  });
  // Like OpenAI: the first chunk opens the message with its role and an empty content (null before tool calls).
  frames.add(chunk({ role: 'assistant', content: toolCalls.length > 0 ? null : '', refusal: null }));
  if (typeof message.content === 'string') {
    for (const piece of textPieces(message.content)) frames.add(chunk({ content: piece }), piece.length);
  }
  for (const [position, call] of toolCalls.entries()) {
    const fn = field(call, 'function');
    const name = typeof fn.name === 'string' ? fn.name : '';
    const args = typeof fn.arguments === 'string' ? fn.arguments : '';
    // The id and name come once, with empty arguments; the arguments follow in pieces under the same index.
    const opening = { index: position, id: call.id, type: 'function', function: { name, arguments: '' } };
    frames.add(chunk({ tool_calls: [opening] }), name.length);
    for (const piece of jsonPieces(args)) {
      frames.add(chunk({ tool_calls: [{ index: position, function: { arguments: piece } }] }), piece.length);
    }
  }
  frames.add(chunk({}, choice.finish_reason));
}

/**
 * A chat completion body as OpenAI streams it: `chat.completion.chunk` events sharing the completion's id,
 * one choice after another, then — when `stream_options.include_usage` asked for it — a chunk with no
 * choices and the usage (every other chunk then carries `usage: null`), then `[DONE]`.
 */
export function chatCompletionChunks(body: unknown, includeUsage: boolean): StreamFrame[] {
  const completion = isJsonObject(body) ? body : {};
  const { id, created, model, service_tier: serviceTier, system_fingerprint: fingerprint } = completion;
  const base: JsonObject = {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    service_tier: serviceTier,
    system_fingerprint: fingerprint,
    ...(includeUsage ? { usage: null } : {}),
  };
  const frames = new FrameList();
  for (const choice of objects(completion.choices)) addChoice(frames, base, choice);
  const usage = field(completion, 'usage');
  if (includeUsage) frames.add({ ...base, choices: [], usage });
  frames.add('[DONE]');
  return frames.build(tokenCount(usage, 'completion_tokens'));
}
