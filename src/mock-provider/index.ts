/**
 * A wire-format mock of OpenAI, Anthropic and Gemini for tests, benchmarks and keyless local runs.
 *
 * Point the official SDKs at `url + '/openai/v1'`, `url + '/anthropic'` and (as `httpOptions.baseUrl`)
 * `url + '/gemini'`. Faults come from the behavior's random error rates, or per request from
 * `x-mock-*` headers or `[[mock:…]]` markers in the last user message: `status=503`, `latency=200`,
 * `retry-after=2`, `hang`, `malformed`, `content-policy`, `quota`, `fail-times=2`.
 * `GET /_mock/stats`, `POST /_mock/reset` and `POST /_mock/behavior` inspect and steer a running mock.
 */
export { startMockProvider, type MockProviderHandle, type MockProviderOptions } from './server';
export { DEFAULT_BEHAVIOR, FAULT_KINDS, MockBehaviorError, type FaultKind, type MockBehavior } from './behavior';
export { type EndpointId, type MockStats } from './stats';
