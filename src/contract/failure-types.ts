/**
 * The one enum of failure types. Activities raise `ApplicationFailure`s whose `type` is one of these;
 * workflows branch on `err.cause.type`; the API maps them to HTTP statuses and stable error codes.
 */
export const FailureType = {
  /** The provider rejected the request itself (HTTP 400/404/422). Not retried. */
  InvalidRequest: 'INVALID_REQUEST',
  /** The provider rejected the key (HTTP 401/403). Not retried. */
  Auth: 'AUTH',
  /** The provider refused the content (safety/content policy). Not retried. */
  ContentPolicy: 'CONTENT_POLICY',
  /** HTTP 429 with a Retry-After: retried after the delay the provider asked for. */
  RateLimited: 'RATE_LIMITED',
  /** The key's quota or spend limit is used up (e.g. OpenAI `insufficient_quota`). Not retried with that key. */
  QuotaExhausted: 'QUOTA_EXHAUSTED',
  /** The provider is overloaded (HTTP 503, Anthropic 529). Retried with backoff. */
  Overloaded: 'OVERLOADED',
  /** The provider did not answer in time. Retried with backoff. */
  Timeout: 'TIMEOUT',
  /** Any other 5xx or connection failure. Retried with backoff. */
  ServerError: 'SERVER_ERROR',
  /** The provider answered with a body that is not its documented format. Retried with backoff. */
  MalformedResponse: 'MALFORMED_RESPONSE',
  /** Switchyard has no usable configuration for what the job asked (unknown provider, missing key). Not retried. */
  NotConfigured: 'NOT_CONFIGURED',
  /** The tenant's spending cap would be exceeded and its policy is to reject. */
  BudgetExceeded: 'BUDGET_EXCEEDED',
  /** The job may only be answered from the cache (mode `only`, or the `cache-only` budget policy) and nothing is cached. */
  CacheMiss: 'CACHE_MISS',
  /** The target's circuit is open: the provider is failing, so the chain moves on without calling it. */
  CircuitOpen: 'CIRCUIT_OPEN',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failure types that no retry can fix: the workflow gives up on the target at once. */
export const NON_RETRYABLE_FAILURE_TYPES: readonly FailureType[] = [
  FailureType.InvalidRequest,
  FailureType.Auth,
  FailureType.ContentPolicy,
  FailureType.QuotaExhausted,
  FailureType.NotConfigured,
  FailureType.BudgetExceeded,
  FailureType.CacheMiss,
  FailureType.CircuitOpen,
];

/** True when `value` names one of Switchyard's failure types. */
export function isFailureType(value: unknown): value is FailureType {
  return typeof value === 'string' && (Object.values(FailureType) as string[]).includes(value);
}

/**
 * Not a provider failure, and never the end of a job: every key of the provider's pool is cooling down
 * after a 429, out of quota, or at its own per-key limit, so the activity made no call. It is raised
 * non-retryable with `retryAfterMs` in its details; the workflow waits that long on a timer and calls again,
 * so Switchyard's own throttling never uses up the retry attempts meant for provider failures.
 */
export const KEY_POOL_BUSY = 'KEY_POOL_BUSY';

/**
 * Not a provider failure: the job's budget reservation id is already committed or released, and a
 * reservation is never reused (its money is settled; a new job on it would run unpaid). Raised
 * non-retryable by the reserving activity.
 */
export const RESERVATION_CLOSED = 'RESERVATION_CLOSED';
