import { type EndpointId, type WireName } from './endpoint-ids';

/** Characters of the last user message kept per call: enough for a test to tell whose request it was. */
export const PROMPT_HEAD_CHARS = 64;

/**
 * Enough calls for any test or benchmark run, while bounding memory when the mock runs for days: past it,
 * the oldest calls are dropped (and counted), so the log always holds the most recent ones.
 */
export const MAX_LOGGED_CALLS = 100_000;

/** One provider request the mock answered with a successful completion (or embedding). */
export interface MockCall {
  /** The request's sequence number: unique, and increasing in the order requests arrived. */
  sequence: number;
  /** Epoch milliseconds at which the answer was sent. */
  at: number;
  endpoint: EndpointId;
  /** The provider wire format the request used. */
  provider: WireName;
  /** The model the request named, as the mock saw it. */
  model: string;
  /** The API key as sent. */
  apiKey: string;
  /** Input tokens as reported in the response's usage; 0 when the response reports none (Gemini embeddings). */
  promptTokens: number;
  /** Output tokens as reported in the response's usage; 0 for embeddings. */
  completionTokens: number;
  /** The first {@link PROMPT_HEAD_CHARS} characters of the last user message, `[[mock:…]]` markers removed. */
  promptHead: string;
  /**
   * Set for a streamed answer only: `'complete'` when every event was sent, `'cut'` when the stream broke off
   * (a stream fault, or the client going away), in which case `completionTokens` are those sent by then.
   */
  streamed?: 'complete' | 'cut';
}

/** The log as served by `GET /_mock/calls`. */
export interface MockCallLog {
  /** Oldest first. */
  calls: MockCall[];
  /** Calls no longer in the log because it was full; non-zero means `calls` is not the whole story. */
  dropped: number;
}

/** Tokens as a provider's success body reports them. */
export interface ReportedUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A bounded ring of answered calls; recording is O(1) so that the log never slows a benchmark down. */
export class CallLog {
  private ring: MockCall[] = [];
  /** Where the next call goes once the ring is full: the slot of the oldest call. */
  private oldest = 0;
  private droppedCalls = 0;

  constructor(readonly capacity = MAX_LOGGED_CALLS) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer >= 1');
  }

  record(call: MockCall): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(call);
      return;
    }
    this.ring[this.oldest] = call;
    this.oldest = (this.oldest + 1) % this.capacity;
    this.droppedCalls++;
  }

  /** A copy, oldest call first. */
  snapshot(): MockCallLog {
    const ordered = [...this.ring.slice(this.oldest), ...this.ring.slice(0, this.oldest)];
    return { calls: ordered.map((call) => ({ ...call })), dropped: this.droppedCalls };
  }

  clear(): void {
    this.ring = [];
    this.oldest = 0;
    this.droppedCalls = 0;
  }
}
