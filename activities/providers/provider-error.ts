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
    } = {},
  ) {
    super(message);
  }
}
