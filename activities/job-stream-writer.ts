import type { Logger } from 'pino';
import type { ChatStreamDelta } from '../src/contract/chat-stream';
import { encodeStreamEntry, type JobStreamEntry } from '../src/contract/job-stream';
import type { StreamStore } from '../src/stores/streams/contract';

/**
 * Writes one run of a streamed provider call to its job's stream, in order, without holding the provider's stream
 * up: entries that arrive while a write is under way go out together in the next one. Best effort: a store that
 * fails loses the live tokens, never the answer, which reaches the job through the activity's result and is sent
 * whole by whoever relays the stream.
 */
export class JobStreamWriter {
  private pending: string[] = [];
  private writing: Promise<void> | null = null;
  private warned = false;
  private written = 0;
  private chars = 0;

  constructor(
    private readonly streams: StreamStore,
    private readonly streamId: string,
    private readonly run: string,
    private readonly logger: Logger,
  ) {}

  /** Deltas handed to the writer so far. */
  get deltas(): number {
    return this.written;
  }

  call(providerId: string, model: string, attempt: number): void {
    this.add({ kind: 'call', run: this.run, providerId, model, attempt });
  }

  /** Characters of answer (text, refusal, tool-call names and arguments) handed to the writer so far. */
  get answerChars(): number {
    return this.chars;
  }

  delta(delta: ChatStreamDelta): void {
    this.written += 1;
    this.chars += (delta.delta.content?.length ?? 0) + (delta.delta.refusal?.length ?? 0);
    for (const call of delta.delta.tool_calls ?? []) {
      this.chars += (call.function?.name?.length ?? 0) + (call.function?.arguments?.length ?? 0);
    }
    this.add({ kind: 'delta', run: this.run, delta });
  }

  failed(failureType: string, message: string): void {
    this.add({ kind: 'call_failed', run: this.run, failureType, message, deltas: this.written });
  }

  /** Resolves once everything handed over so far has been written (or given up on). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private add(entry: JobStreamEntry): void {
    this.pending.push(encodeStreamEntry(entry));
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.streams.append(this.streamId, batch);
        } catch (err) {
          if (!this.warned) {
            this.warned = true;
            this.logger.warn({ err, streamId: this.streamId }, 'stream entries not written: the stream store failed');
          }
        }
      }
    } finally {
      // In the same turn as the last look at `pending`, so an entry added later starts a new drain.
      this.writing = null;
    }
  }
}
