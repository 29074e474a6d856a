import type { FailureType } from '../../src/contract/failure-types';

/** A classified provider failure, raised by adapters and turned into an `ApplicationFailure` by the activity. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';

  constructor(
    readonly type: FailureType,
    message: string,
    readonly details: {
      /** HTTP status, when the provider answered. */
      status?: number;
      /** How long the provider asked us to wait before the next call (Retry-After), in milliseconds. */
      retryAfterMs?: number;
      /** The provider's own error code, e.g. `insufficient_quota`. */
      providerCode?: string;
      /**
       * For a streamed call that failed once its stream had begun: how many deltas the caller had been handed.
       * 0 or absent means nothing of the answer reached it, so the call can be retried or moved on unseen.
       */
      streamedDeltas?: number;
    } = {},
  ) {
    super(message);
  }
}
