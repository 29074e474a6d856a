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
export class CallJournal {
  constructor(
    private readonly store: ResponseCacheStore<ProviderCallResult>,
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
  async recall(id: string): Promise<ProviderCallResult | null> {
    return (await this.store.get(id))?.value ?? null;
  }

  /** Keeps the answer for this activity's retries. Never throws: the answer is paid for and must be returned. */
  async record(id: string, result: ProviderCallResult): Promise<void> {
    try {
      await this.store.set(id, result, JOURNAL_SECONDS, 0);
    } catch (err) {
      this.logger.warn({ err, callId: id }, 'provider answer not journaled: the cache store is unavailable');
    }
  }
}
