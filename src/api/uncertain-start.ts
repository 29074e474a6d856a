import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';

/** How a start whose answer was lost turned out. */
export type SettledStart =
  /** Our start created the workflow (the lost one, or the one re-sent here). */
  | { kind: 'started' }
  /** A workflow with the id exists; its memo tells whose it is. */
  | { kind: 'exists'; description: WorkflowExecutionDescription };

export interface SettleStartOptions {
  /** Sends the very same start again (same workflow id), with a deadline (epoch ms). */
  start(deadline: number): Promise<unknown>;
  /** Describes the workflow with that id, with a deadline (epoch ms). */
  describe(deadline: number): Promise<WorkflowExecutionDescription>;
  /**
   * How long to keep trying to learn the outcome, in ms.
   * @default 5000
   */
  windowMs?: number;
  /**
   * Deadline of each describe or start sent while settling, in ms (capped by the window).
   * @default 2000
   */
  callDeadlineMs?: number;
}

/** Temporal could not be asked within the window: whether the workflow exists is still unknown. */
export class StartOutcomeUnknownError extends Error {
  override readonly name = 'StartOutcomeUnknownError';

  constructor(readonly lastError: unknown) {
    super('Could not learn from Temporal whether the job started', { cause: lastError });
  }
}

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 1_000;

/**
 * Finds out how a workflow start that hit its deadline (or lost its connection) turned out, so the client
 * is never told "failed" about a job that runs — and pays — anyway.
 *
 * Describing alone cannot prove absence: the lost start may still be on its way to the server. So when the
 * workflow is not found, the same start (same workflow id) is sent again: the server lets exactly one of the
 * two create it, so either this one succeeds or the id turns out taken — and the describe then shows by whom.
 * Throws {@link StartOutcomeUnknownError} when Temporal cannot be reached for the whole window.
 */
export async function settleUncertainStart(options: SettleStartOptions): Promise<SettledStart> {
  const until = Date.now() + (options.windowMs ?? 5_000);
  const callMs = options.callDeadlineMs ?? 2_000;
  const deadline = () => Math.min(until, Date.now() + callMs);
  let lastError: unknown;
  for (let backoff = FIRST_BACKOFF_MS; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
    try {
      return { kind: 'exists', description: await options.describe(deadline()) };
    } catch (err) {
      lastError = err;
    }
    if (lastError instanceof WorkflowNotFoundError) {
      try {
        await options.start(deadline());
        return { kind: 'started' };
      } catch (err) {
        // Taken meanwhile (the lost start landed after all): the next describe shows it.
        lastError = err;
        if (err instanceof WorkflowExecutionAlreadyStartedError && Date.now() < until) continue;
      }
    }
    if (Date.now() + backoff >= until) throw new StartOutcomeUnknownError(lastError);
    await new Promise((resolve) => setTimeout(resolve, backoff));
  }
}
