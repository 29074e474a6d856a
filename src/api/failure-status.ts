import { FailureType } from '../../workflows/failure-types';

/** How a job's final failure type is told to HTTP callers of the synchronous endpoints. */
export const FAILURE_HTTP: Record<FailureType, { status: number; code: string }> = {
  [FailureType.InvalidRequest]: { status: 400, code: 'provider_invalid_request' },
  [FailureType.ContentPolicy]: { status: 400, code: 'content_policy_violation' },
  [FailureType.Auth]: { status: 502, code: 'provider_auth_failed' },
  [FailureType.QuotaExhausted]: { status: 502, code: 'provider_quota_exhausted' },
  [FailureType.RateLimited]: { status: 429, code: 'provider_rate_limited' },
  [FailureType.Overloaded]: { status: 503, code: 'provider_overloaded' },
  [FailureType.Timeout]: { status: 504, code: 'provider_timeout' },
  [FailureType.ServerError]: { status: 502, code: 'provider_error' },
  [FailureType.MalformedResponse]: { status: 502, code: 'provider_malformed_response' },
  [FailureType.NotConfigured]: { status: 502, code: 'provider_not_configured' },
  [FailureType.BudgetExceeded]: { status: 402, code: 'budget_exceeded' },
  [FailureType.CacheMiss]: { status: 422, code: 'cache_miss' },
  [FailureType.CircuitOpen]: { status: 503, code: 'provider_circuit_open' },
};
