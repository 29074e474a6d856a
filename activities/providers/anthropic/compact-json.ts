/**
 * Whitespace removal for a JSON text that arrives in pieces. Anthropic streams a tool's input as the model
 * writes it (`{"city": "Paris"}`), while the non-streamed answer's arguments are `JSON.stringify` of the parsed
 * input (`{"city":"Paris"}`); relaying the pieces compacted makes them join to the same text.
 */

/** JSON's insignificant whitespace (RFC 8259): outside strings, nothing else may appear between tokens. */
const JSON_WHITESPACE: ReadonlySet<string> = new Set([' ', '\t', '\n', '\r']);

/** Compacts one JSON text, piece after piece; it remembers whether a piece ended inside a string. */
export class JsonCompactor {
  private inString = false;
  private escaped = false;

  /** The piece without the whitespace between tokens. */
  push(piece: string): string {
    let out = '';
    for (const char of piece) {
      if (this.inString) {
        out += char;
        if (this.escaped) this.escaped = false;
        else if (char === '\\') this.escaped = true;
        else if (char === '"') this.inString = false;
      } else if (!JSON_WHITESPACE.has(char)) {
        out += char;
        if (char === '"') this.inString = true;
      }
    }
    return out;
  }
}
