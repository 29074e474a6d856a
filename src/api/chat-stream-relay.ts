import type { Response } from 'express';
import type { Logger } from 'pino';
import type { ChatCompletion } from '../contract/chat';
import type { ChatStreamDelta } from '../contract/chat-stream';
import type { AiJobResult } from '../contract/job';
import { decodeStreamEntry, type JobStreamEntry } from '../contract/job-stream';
import type { StreamEntry, StreamStore } from '../stores/streams/contract';
import { OPENAI_ERROR_TYPES, toHttpError } from './error-handler';
import { chunkOf, remainingDeltas, usageChunkOf, type ChunkFrame } from './openai-chunks';
import { openEventStream, writeEvent } from './sse';
import { safeHeaderValue } from './safe-header';

/** What one choice has been sent so far. */
interface SentChoice {
  role: boolean;
  content: string;
  refusal: string;
  /** Tool calls by their index: id, name and the arguments sent. */
  toolCalls: Map<number, { id: string; name: string; arguments: string }>;
  finished: boolean;
}

/** How long one read of the stream store waits for entries before it looks again. */
const READ_WAIT_MS = 1_000;
/** After a failed read, the pause before the next: the answer still arrives whole with the job's result. */
const READ_RETRY_MS = 200;

/** The event a client gets when the stream cannot go on, in OpenAI's error shape (the SDK raises it). */
export const STREAM_INTERRUPTED = 'stream_interrupted';

export interface ChatStreamRelayOptions {
  res: Response;
  streams: StreamStore;
  /** `stream_options.include_usage`. */
  includeUsage: boolean;
  /** The model the client asked for, until the provider's is known. */
  model: string;
  logger?: Logger;
}

/**
 * Relays a job's streamed answer to an OpenAI-compatible SSE response: the tokens its provider call writes to the
 * stream store, as they arrive, then whatever the job's result holds that was not relayed, the usage when asked,
 * and `[DONE]`. Nothing is sent before the first token, so a job that fails before it still answers with its HTTP
 * error. A stream that breaks off after tokens were sent (the provider's stream failed, or its worker died and the
 * call started over) ends with a `stream_interrupted` error event; the job goes on and its complete answer is
 * charged once and kept at `GET /v1/jobs/:id`.
 */
export class ChatStreamRelay {
  private jobId = '';
  private after: string | null = null;
  /** The call run whose tokens are being relayed. */
  private run: string | null = null;
  private provider = '';
  private model: string;
  private readonly sent = new Map<number, SentChoice>();
  private readonly stop = new AbortController();
  private following: Promise<void> = Promise.resolve();
  private frame: ChunkFrame | null = null;
  private closed = false;

  constructor(private readonly options: ChatStreamRelayOptions) {
    this.model = options.model;
  }

  /** Whether the response has ended (finished, interrupted, or the client left). */
  get done(): boolean {
    return this.closed || this.options.res.writableEnded || this.options.res.destroyed;
  }

  /** Whether the relay itself ended the response (finished or interrupted), as opposed to the client leaving. */
  get ended(): boolean {
    return this.closed;
  }

  /** Whether the stream has been opened, after which an error can only be an event. */
  get opened(): boolean {
    return this.frame !== null;
  }

  /** Starts relaying the job's stream. */
  follow(jobId: string): void {
    this.jobId = jobId;
    this.following = this.readLoop();
  }

  /** Stops reading (the client left). */
  abandon(): void {
    this.closed = true;
    this.stop.abort();
  }

  /** Sends the rest of the job's answer: the tokens not yet relayed, the usage when asked, `[DONE]`. */
  async finish(result: AiJobResult): Promise<void> {
    await this.drain();
    if (this.done) return;
    this.provider ||= `${result.providerId}:${result.model}`;
    if (!this.complete(result.completion)) return;
    const frame = this.open();
    if (frame.includeUsage) this.send(usageChunkOf(frame, result.completion.usage));
    writeEvent(this.options.res, { data: '[DONE]' });
    this.end();
  }

  /**
   * Reports the job's failure as an error event when the stream is open, and says so; before it opened, the
   * failure is the caller's to answer with its HTTP status (false).
   */
  async fail(err: unknown): Promise<boolean> {
    await this.drain();
    if (this.done) return true;
    if (!this.opened) return false;
    const error = toHttpError(err);
    this.sendError(error.message, OPENAI_ERROR_TYPES[error.status] ?? 'api_error', error.code);
    return true;
  }

  private async readLoop(): Promise<void> {
    const { streams, logger } = this.options;
    while (!this.stop.signal.aborted && !this.done) {
      let entries;
      try {
        entries = await streams.read(this.jobId, this.after, { waitMs: READ_WAIT_MS, signal: this.stop.signal });
      } catch (err) {
        logger?.warn({ err, jobId: this.jobId }, 'stream not read: the stream store failed');
        await new Promise((resolve) => setTimeout(resolve, READ_RETRY_MS));
        continue;
      }
      this.takeAll(entries);
    }
  }

  /** Takes entries in order, up to the one that ends the response. */
  private takeAll(entries: readonly StreamEntry[]): void {
    for (const entry of entries) {
      if (this.done) return;
      this.after = entry.id;
      const decoded = decodeStreamEntry(entry.data);
      if (decoded) this.take(decoded);
    }
  }

  /** Stops the loop, then reads what the job wrote before its result (it writes before it answers). */
  private async drain(): Promise<void> {
    this.stop.abort();
    await this.following;
    if (this.done || !this.jobId) return;
    for (;;) {
      let entries;
      try {
        entries = await this.options.streams.read(this.jobId, this.after, { waitMs: 0 });
      } catch {
        // The answer is complete in the job's result; what was not relayed is sent from it.
        return;
      }
      if (entries.length === 0) return;
      this.takeAll(entries);
      if (this.done) return;
    }
  }

  private take(entry: JobStreamEntry): void {
    if (entry.kind === 'call') {
      if (this.run === null) {
        this.provider = `${entry.providerId}:${entry.model}`;
        this.model = entry.model;
      }
      return;
    }
    if (entry.kind === 'call_failed') {
      // A call that failed before its first token is retried or falls back unseen; one that had sent tokens cannot
      // be taken back.
      if (entry.run === this.run)
        this.interrupt(`The provider's stream failed after tokens were sent (${entry.message}).`);
      return;
    }
    this.run ??= entry.run;
    if (entry.run !== this.run) {
      this.interrupt("The provider's stream broke off and the call started over.");
      return;
    }
    this.relay([entry.delta]);
  }

  /** Sends pieces and keeps what each choice has been sent. */
  private relay(deltas: readonly ChatStreamDelta[]): void {
    if (deltas.length === 0) return;
    const frame = this.open();
    for (const piece of deltas) {
      const choice = this.choice(piece.index);
      if (piece.delta.role) choice.role = true;
      choice.content += piece.delta.content ?? '';
      choice.refusal += piece.delta.refusal ?? '';
      for (const call of piece.delta.tool_calls ?? []) {
        const known = choice.toolCalls.get(call.index) ?? { id: '', name: '', arguments: '' };
        known.id ||= call.id ?? '';
        known.name += call.function?.name ?? '';
        known.arguments += call.function?.arguments ?? '';
        choice.toolCalls.set(call.index, known);
      }
      if (piece.finish_reason) choice.finished = true;
    }
    this.send(chunkOf(frame, deltas));
  }

  /**
   * Sends what the completion holds beyond what was relayed. False (after an interruption event) when what was
   * relayed is not the start of this completion: tokens of a call whose retry answered differently.
   */
  private complete(completion: ChatCompletion): boolean {
    const rest: ChatStreamDelta[] = [];
    for (const choice of completion.choices) {
      const sent = this.sent.get(choice.index);
      if (!sent) {
        rest.push(...remainingDeltas(choice, { role: false, content: '', refusal: '', toolCalls: false }));
        continue;
      }
      const calls = choice.message.tool_calls ?? [];
      const callsMatch =
        sent.toolCalls.size === 0 ||
        (sent.toolCalls.size === calls.length &&
          calls.every((call, i) => {
            const got = sent.toolCalls.get(i);
            return got?.name === call.function.name && got.arguments === call.function.arguments;
          }));
      if (
        !(choice.message.content ?? '').startsWith(sent.content) ||
        !(choice.message.refusal ?? '').startsWith(sent.refusal) ||
        !callsMatch
      ) {
        this.interrupt("The answer's tokens were sent by a call that did not complete.");
        return false;
      }
      if (sent.finished) continue;
      rest.push(...remainingDeltas(choice, { ...sent, toolCalls: sent.toolCalls.size > 0 }));
    }
    this.relay(rest);
    return true;
  }

  private choice(index: number): SentChoice {
    let choice = this.sent.get(index);
    if (!choice) {
      choice = { role: false, content: '', refusal: '', toolCalls: new Map(), finished: false };
      this.sent.set(index, choice);
    }
    return choice;
  }

  private open(): ChunkFrame {
    if (this.frame) return this.frame;
    openEventStream(this.options.res, {
      'x-switchyard-job-id': safeHeaderValue(this.jobId),
      ...(this.provider ? { 'x-switchyard-provider': safeHeaderValue(this.provider) } : {}),
    });
    this.frame = {
      id: `chatcmpl-${this.jobId}`,
      created: Math.floor(Date.now() / 1000),
      model: this.model,
      includeUsage: this.options.includeUsage,
    };
    return this.frame;
  }

  private interrupt(reason: string): void {
    this.sendError(
      `${reason} The job goes on: its complete answer will be at GET /v1/jobs/${this.jobId}, charged once.`,
      'api_error',
      STREAM_INTERRUPTED,
    );
  }

  private sendError(message: string, type: string, code: string): void {
    if (!this.opened) this.open();
    this.send({ error: { message, type, param: null, code, job_id: this.jobId } });
    this.end();
  }

  private send(body: Record<string, unknown>): void {
    writeEvent(this.options.res, { data: JSON.stringify(body) });
  }

  private end(): void {
    this.closed = true;
    this.stop.abort();
    if (!this.options.res.writableEnded) this.options.res.end();
  }
}
