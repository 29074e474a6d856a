/** One server-sent event: its `event:` name when it has one, and its `data:` lines joined by newlines. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * An incremental parser of `text/event-stream` bodies: fed text as it arrives, it hands back the events that text
 * completed. A network read can end anywhere, mid-line or between the lines of one event, so what is left over is
 * kept for the next feed.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event: string | undefined;

  /** Takes the next piece of the body (decoded text) and returns the events it completed, in order. */
  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      // A lone `\r` at the end of the buffer may be the first half of `\r\n`: wait for the next piece.
      if (this.buffer[end] === '\r' && end === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (this.buffer.startsWith('\r\n', end) ? 2 : 1));
      const complete = this.line(line);
      if (complete) events.push(complete);
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    // Comment lines (`:` first) keep connections alive and carry nothing.
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const event = this.event;
    const data = this.data;
    this.event = undefined;
    this.data = [];
    // The spec drops an event without data lines (a blank line after a comment, for one).
    if (data.length === 0) return undefined;
    return event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') };
  }
}
