/**
 * The pieces a streamed answer is sent in, built by each provider folder from the very body the non-streamed
 * answer would have been, so both forms carry the same text, tool calls and usage.
 */

/** One server-sent event of a streamed answer. */
export interface StreamFrame {
  /** The SSE `event:` name, for wires that send one (Anthropic). */
  event?: string;
  /** The `data:` payload: JSON text, or a sentinel such as OpenAI's `[DONE]`. */
  data: string;
  /** Whether the frame carries a piece of the answer; the stream-fault directives count these. */
  content: boolean;
  /** Output tokens sent once this frame is out: what a stream cut after it is logged with. */
  completionTokens: number;
}

/** Words per text piece: small enough that even a short echo streams in several chunks. */
const WORDS_PER_PIECE = 3;
/** Characters per piece of a tool call's JSON arguments. */
const JSON_PIECE_CHARS = 16;

/** A frame's wire text: `event:` (when named) and `data:` lines, then the blank line that ends an event. */
export function sseText(frame: Pick<StreamFrame, 'event' | 'data'>): string {
  return frame.event === undefined ? `data: ${frame.data}\n\n` : `event: ${frame.event}\ndata: ${frame.data}\n\n`;
}

/** Splits text into pieces of a few words each that join back to exactly the text. */
export function textPieces(text: string): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  const pieces: string[] = [];
  for (let start = 0; start < words.length; start += WORDS_PER_PIECE) {
    pieces.push(words.slice(start, start + WORDS_PER_PIECE).join(''));
  }
  // Whitespace after the last word (or a text of nothing but whitespace) must still reach the client.
  const tail = text.slice(pieces.join('').length);
  if (tail === '') return pieces;
  if (pieces.length === 0) return [tail];
  pieces[pieces.length - 1] += tail;
  return pieces;
}

/** Splits a JSON text into fixed-size pieces, as providers stream tool arguments: most are not valid JSON alone. */
export function jsonPieces(json: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < json.length; start += JSON_PIECE_CHARS) {
    pieces.push(json.slice(start, start + JSON_PIECE_CHARS));
  }
  return pieces;
}

/**
 * Collects a stream's frames, then spreads the answer's output tokens over them by the share of the answer's
 * characters sent so far — so a cut stream is logged with about what the client received.
 */
export class FrameList {
  private readonly pending: Array<{ event?: string; data: string; chars: number }> = [];

  /**
   * @param chars how much of the answer the frame carries; 0 for framing (starts, stops, usage).
   */
  add(payload: unknown, chars = 0, event?: string): this {
    const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
    this.pending.push(event === undefined ? { data, chars } : { event, data, chars });
    return this;
  }

  build(completionTokens: number): StreamFrame[] {
    const all = this.pending.reduce((sum, frame) => sum + frame.chars, 0);
    let sent = 0;
    return this.pending.map(({ chars, ...frame }) => {
      sent += chars;
      const tokens = all === 0 || sent === all ? completionTokens : Math.floor((completionTokens * sent) / all);
      return { ...frame, content: chars > 0, completionTokens: tokens };
    });
  }
}
