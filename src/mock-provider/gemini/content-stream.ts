import { isJsonObject, type JsonObject, tokenCount } from '../json';
import { FrameList, type StreamFrame, textPieces } from '../stream-frames';

/** One candidate as parts to send one per event: text in pieces of a few words, function calls whole. */
function partsOf(candidate: JsonObject): Array<{ part: JsonObject; chars: number }> {
  const content = isJsonObject(candidate.content) ? candidate.content : {};
  const parts = Array.isArray(content.parts) ? content.parts.filter(isJsonObject) : [];
  return parts.flatMap((part) => {
    if (typeof part.text === 'string')
      return textPieces(part.text).map((text) => ({ part: { text }, chars: text.length }));
    // Gemini never splits a function call across events.
    return [{ part, chars: JSON.stringify(part).length }];
  });
}

/**
 * A `GenerateContentResponse` as `:streamGenerateContent?alt=sse` sends it: responses whose candidates carry
 * one piece each, then a last one, with an empty text part, that has the finish reason and the usage.
 */
export function generateContentEvents(body: unknown): StreamFrame[] {
  const response = isJsonObject(body) ? body : {};
  const { candidates, usageMetadata, modelVersion, responseId } = response;
  const trailer = { modelVersion, responseId };
  const frames = new FrameList();
  const all = Array.isArray(candidates) ? candidates.filter(isJsonObject) : [];
  for (const candidate of all) {
    const { index } = candidate;
    for (const { part, chars } of partsOf(candidate)) {
      frames.add({ candidates: [{ content: { role: 'model', parts: [part] }, index }], ...trailer }, chars);
    }
  }
  const finished = all.map(({ finishReason, index }) => ({
    content: { role: 'model', parts: [{ text: '' }] },
    finishReason,
    index,
  }));
  frames.add({ candidates: finished, usageMetadata, ...trailer });
  const usage = isJsonObject(usageMetadata) ? usageMetadata : undefined;
  return frames.build(tokenCount(usage, 'candidatesTokenCount'));
}
