import type { Info } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { ProviderCallResult } from '../src/contract/provider-call';
import type { ResponseCacheStore } from '../src/stores/cache/contract';

/**
 * How long a provider's answer is kept for the retries of the activity that got it: far longer than any
 * retry of one provider-call activity (a few attempts, minutes apart at most).
 */
const JOURNAL_SECONDS = 86_400;

/**
 * The provider answers this activity already got, by activity execution. A worker that dies after the provider
 * answered — before Temporal recorded the activity's completion — would otherwise make the retry call (and pay)
 * again; the retry finds the answer here and returns it instead.
 */
export class CallJournal<T = ProviderCallResult> {
  /** Calls this process is making now, by activity execution. */
  private readonly running = new Map<string, Promise<T>>();

  constructor(
    private readonly store: ResponseCacheStore<T>,
    private readonly logger: Logger,
  ) {}

  /** One entry per activity execution: the same id for every attempt of it. */
  static idOf(info: Info): string {
    const execution = info.workflowExecution;
    return `call:${execution?.workflowId ?? '-'}:${execution?.runId ?? '-'}:${info.activityId}`;
  }

  /**
   * The answer an earlier attempt got, or null. Throws when the journal cannot be read: calling without
   * knowing could pay twice, so the attempt fails (before any call) and Temporal retries it.
   */
  async recall(id: string): Promise<T | null> {
    return (await this.store.get(id))?.value ?? null;
  }

  /** Keeps the answer for this activity's retries. Never throws: the answer is paid for and must be returned. */
  async record(id: string, result: T): Promise<void> {
    try {
      await this.store.set(id, result, JOURNAL_SECONDS, 0);
    } catch (err) {
      this.logger.warn({ err, callId: id }, 'provider answer not journaled: the cache store is unavailable');
    }
  }

  /**
   * Runs `call` as the only call of activity execution `id` in this process. A local call is run again when its
   * workflow task is retried (e.g. it timed out on a starved worker) while the first run may still be waiting
   * for the provider; the second run then shares that answer instead of paying for another. Should the first
   * run fail or be cancelled, the second makes its own call (finding any answer the first journaled).
   */
  async once(id: string, call: () => Promise<T>): Promise<T> {
    const first = this.running.get(id);
    if (first) {
      try {
        return await first;
      } catch {
        // The first run's failure is its own; this run decides for itself.
      }
    }
    const running = call();
    this.running.set(id, running);
    try {
      return await running;
    } finally {
      if (this.running.get(id) === running) this.running.delete(id);
    }
  }
}
