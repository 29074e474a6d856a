/**
 * A wire-format mock of OpenAI, Anthropic and Gemini for tests, benchmarks and keyless local runs.
 *
 * Point the official SDKs at `url + '/openai/v1'`, `url + '/anthropic'` and (as `httpOptions.baseUrl`)
 * `url + '/gemini'`. Faults come from the behavior's random error rates, or per request from
 * `x-mock-*` headers or `[[mock:…]]` markers in the last user message: `status=503`, `latency=200`,
 * `retry-after=2`, `hang`, `malformed`, `content-policy`, `quota`, `fail-times=2`,
 * `output-tokens=5000` (a reply that long, cut at the request's own output limit), and `body-delay=600` (the
 * headers at once, the body that much later; the call counts as paid when the headers go out).
 * Streamed answers (`stream: true`, Anthropic's `stream: true`, Gemini's `:streamGenerateContent`) carry the same
 * text, tool calls and usage in each provider's event format; `chunk-gap=50` spaces their events, and
 * `stream-drop=N`, `stream-hang=N` and `stream-malformed=N` break them after N content chunks.
 * `GET /_mock/stats`, `GET /_mock/calls` (every successful call, with its usage), `POST /_mock/reset` and
 * `POST /_mock/behavior` inspect and steer a running mock.
 */
export { startMockProvider, type MockProviderHandle, type MockProviderOptions } from './server';
export { DEFAULT_BEHAVIOR, FAULT_KINDS, MockBehaviorError, type FaultKind, type MockBehavior } from './behavior';
export { type EndpointId, type WireName } from './endpoint-ids';
export { type MockStats } from './stats';
export { MAX_LOGGED_CALLS, PROMPT_HEAD_CHARS, type MockCall, type MockCallLog } from './call-log';
