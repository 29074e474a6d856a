/** One Server-Sent Event as a client parses it. */
export interface ParsedEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Parses the events of an SSE response body as they arrive; comment lines are skipped. */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ParsedEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: ParsedEvent = { data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':') || line === '') continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(value);
          else if (field === 'id') event.id = value;
          else if (field === 'event') event.event = value;
        }
        if (data.length === 0 && event.id === undefined && event.event === undefined) continue;
        event.data = data.join('\n');
        yield event;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
