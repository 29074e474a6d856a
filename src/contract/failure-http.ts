import { FailureType } from './failure-types';

/**
 * How a failure type is told to tenants: the HTTP status and stable code of the synchronous endpoints and,
 * for provider failures, the fixed text tenants see instead of the provider's own message — which can
 * name a key's environment variable, an account or an internal host. Failures Switchyard itself words for
 * the tenant (budget, cache-only) have no fixed text: their message is the one to act on.
 */
export interface FailureHttp {
  status: number;
  code: string;
  /** Replaces the original message in everything the API returns; absent when the original is for the tenant. */
  message?: string;
}

/** Fixed text of failures whose details only an operator can act on. */
const OPERATOR_DETAILS = 'operators can find the details in the logs under this job id.';

/** How a job's final failure type is told to HTTP callers of the synchronous endpoints. */
export const FAILURE_HTTP: Record<FailureType, FailureHttp> = {
  [FailureType.InvalidRequest]: {
    status: 400,
    code: 'provider_invalid_request',
    message: 'The provider rejected the request as invalid; check the model, parameters and messages.',
  },
  [FailureType.ContentPolicy]: {
    status: 400,
    code: 'content_policy_violation',
    message: 'The provider refused the request under its content policy.',
  },
  [FailureType.Auth]: {
    status: 502,
    code: 'provider_auth_failed',
    message: `The provider rejected the gateway's credentials; ${OPERATOR_DETAILS}`,
  },
  [FailureType.QuotaExhausted]: {
    status: 502,
    code: 'provider_quota_exhausted',
    message: `The provider's quota is used up; ${OPERATOR_DETAILS}`,
  },
  [FailureType.RateLimited]: {
    status: 429,
    code: 'provider_rate_limited',
    message: 'The provider is rate limiting requests; retry later.',
  },
  [FailureType.Overloaded]: {
    status: 503,
    code: 'provider_overloaded',
    message: 'The provider is overloaded; retry later.',
  },
  [FailureType.Timeout]: { status: 504, code: 'provider_timeout', message: 'The provider did not answer in time.' },
  [FailureType.ServerError]: {
    status: 502,
    code: 'provider_error',
    message: 'The provider failed to answer; retry later.',
  },
  [FailureType.MalformedResponse]: {
    status: 502,
    code: 'provider_malformed_response',
    message: 'The provider answered with a response that could not be read; retry later.',
  },
  [FailureType.NotConfigured]: {
    status: 502,
    code: 'provider_not_configured',
    message: `The provider is not configured correctly; ${OPERATOR_DETAILS}`,
  },
  [FailureType.BudgetExceeded]: { status: 402, code: 'budget_exceeded' },
  [FailureType.CacheMiss]: { status: 422, code: 'cache_miss' },
  [FailureType.CircuitOpen]: {
    status: 503,
    code: 'provider_circuit_open',
    message: 'The provider is failing, so the gateway is not calling it for now; retry later.',
  },
};

/** A failure whose type is not one of Switchyard's (a bug, or a workflow failing outside its steps). */
const UNKNOWN_FAILURE: FailureHttp = {
  status: 502,
  code: 'job_failed',
  message: `The job failed; ${OPERATOR_DETAILS}`,
};

/** The HTTP rendering of a failure `type` as recorded in a job (any string, so looked up as an own entry only). */
export function failureHttpOf(type: string): FailureHttp {
  return Object.hasOwn(FAILURE_HTTP, type) ? FAILURE_HTTP[type as FailureType] : UNKNOWN_FAILURE;
}

/** What a tenant is told of a failure of `type` whose original message is `original`. */
export function tenantFailureMessage(type: string, original: string): string {
  return failureHttpOf(type).message ?? original;
}
