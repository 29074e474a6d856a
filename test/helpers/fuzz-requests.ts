import fc from 'fast-check';
import type { SchemaNode } from './json-schema';
import { mutatedBody, plainBody, validBodyArb, type FuzzBody } from './fuzz-bodies';
import { encodeSegment, fuzzText, headerValue, idempotencyKeyHeader, PROTO_NAMES } from './fuzz-values';

/** One HTTP request the fuzzer sends. */
export interface FuzzRequest {
  /** Which generator made it, for the report. */
  category: string;
  method: string;
  /** May hold `{real-job:N}`: the N-th job the run created, filled in when the request is sent. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** The body is not one the operation's schema allows: the API must refuse it. */
  mustReject?: boolean;
  /** An odd path whose error may come in either documented shape. */
  anyErrorShape?: boolean;
  /** What was done to the request, for the report. */
  detail: string;
}

export interface FuzzKeys {
  tenant: string;
  otherTenant: string;
  operator: string;
}

/** A placeholder for the N-th real job id, resolved when sent (ids exist only once jobs were created). */
export const realJob = (n: number) => `{real-job:${n}}`;

/** Authorization headers: the tenant's key (mostly), another tenant's, the operator's, none, or a malformed one. */
export function authArb(keys: FuzzKeys, operatorWeight = 2, tenantWeight = 8): fc.Arbitrary<Record<string, string>> {
  const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
  const odd = fc.oneof<fc.Arbitrary<Record<string, string>>[]>(
    fc.constantFrom<Record<string, string>>(
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: `bearer ${keys.tenant}` },
      { authorization: `Basic ${Buffer.from(`user:${keys.tenant}`).toString('base64')}` },
      { authorization: `Bearer ${keys.tenant} extra` },
      { authorization: `Token ${keys.tenant}` },
      { authorization: keys.tenant },
      { authorization: `Bearer ${'x'.repeat(4_000)}` },
      { authorization: 'Bearer __proto__' },
      { authorization: 'Bearer constructor' },
      { 'x-api-key': '' },
      { 'x-api-key': 'constructor' },
      { authorization: 'Bearer wrong', 'x-api-key': keys.tenant },
    ),
    fuzzText(1, 60).map((text) => ({ authorization: `Bearer ${headerValue(text)}` })),
    fuzzText(1, 60).map((text) => ({ 'x-api-key': headerValue(text) })),
  );
  return fc.oneof(
    { arbitrary: fc.constant(bearer(keys.tenant)), weight: tenantWeight },
    { arbitrary: fc.constant(bearer(keys.otherTenant)), weight: 1 },
    { arbitrary: fc.constant({ 'x-api-key': keys.tenant }), weight: 1 },
    { arbitrary: fc.constant(bearer(keys.operator)), weight: operatorWeight },
    { arbitrary: fc.constant<Record<string, string>>({}), weight: 2 },
    { arbitrary: odd, weight: 3 },
  );
}

/** Model names: mostly unknown (cheap 400s); known ones start real jobs. */
export function modelArb(known: string[], knownWeight: number): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: knownWeight },
    {
      arbitrary: fc.constantFrom('gpt-unknown', 'openai', 'anthropic:', ':gpt-4o-mini', 'nope:x', 'route-nope'),
      weight: 4,
    },
    { arbitrary: fc.constantFrom(...PROTO_NAMES, 'openai:__proto__', 'constructor:x'), weight: 2 },
    { arbitrary: fuzzText(1, 40), weight: 2 },
  );
}

/** POST with a body of `operationPath`'s schema: valid bodies, or mutations of them. */
export function bodyRequestArb(options: {
  path: string;
  schema: SchemaNode;
  document: unknown;
  keys: FuzzKeys;
  models?: fc.Arbitrary<string>;
  mutate: boolean;
  /** Authorization headers; by default mostly the tenant's key. */
  auth?: fc.Arbitrary<Record<string, string>>;
}): fc.Arbitrary<FuzzRequest> {
  const valid = validBodyArb(options.schema, options.document, options.models);
  const bodies: fc.Arbitrary<FuzzBody> = options.mutate
    ? mutatedBody(options.schema, options.document, valid)
    : plainBody(valid);
  const auth =
    options.auth ??
    (options.mutate
      ? authArb(options.keys, 1, 16)
      : fc.constantFrom(
          { authorization: `Bearer ${options.keys.tenant}` },
          { authorization: `Bearer ${options.keys.otherTenant}` },
        ));
  return fc.tuple(bodies, auth, idempotencyKeyHeader).map(([body, authHeaders, idempotency]) => ({
    category: `POST ${options.path} ${options.mutate ? 'mutated' : 'valid'}`,
    method: 'POST',
    path: options.path,
    headers: { ...body.headers, ...authHeaders, ...(options.path === '/v1/jobs' ? idempotency : {}) },
    body: body.body,
    mustReject: body.mustReject,
    detail: body.mutation,
  }));
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Query strings, good and bad; `long` ones only where no job can be waited on for long. */
function queryArb(longWaits: boolean): fc.Arbitrary<string> {
  const bad = fc.constantFrom(
    '?wait=abc',
    '?wait=-1',
    '?wait=61',
    '?wait=1e309',
    '?wait=NaN',
    '?wait=Infinity',
    '?wait[]=1',
    '?wait[a]=1',
    '?wait=1&wait=2',
    '?wait=%00',
    '?wait=0x1',
    '?wait=%20',
    '?__proto__[wait]=1',
    '?constructor=1',
    '?wait=%F0%9F%98%80',
    '?%=%',
    `?wait=${'9'.repeat(400)}`,
    `?q=${'x'.repeat(2_000)}`,
  );
  const harmless = fc.constantFrom('', '', '', '?wait=0', '?wait=', '?wait=0.01', '?x=1');
  const slow = fc.constantFrom('?wait=1', '?wait=60');
  return longWaits ? fc.oneof(harmless, bad, slow) : fc.oneof(harmless, bad);
}

const oddIds = fc.oneof(
  fc.constantFrom(
    '',
    'job_',
    'job_short',
    `job_${'a'.repeat(81)}`,
    `job_${'a'.repeat(3_000)}`,
    '__proto__',
    'constructor',
    'job_%2F..%2Fadmin',
    '..%2F..%2Fhealthz',
    '%00',
    '%ZZ',
    '%E0%A4%A',
    'job_%F0%9F%98%80aaaaaaaa',
    'job_aaaaaaaa%0d%0aX-Injected:%201',
    'JOB_AAAAAAAAAA',
  ),
  fuzzText(1, 30).map((text) => encodeSegment(text)),
  fc.stringMatching(/^job_[A-Za-z0-9_-]{8,80}$/),
);

/** Requests on `/v1/jobs/{id}…`: real jobs (the tenant's and others'), unknown and malformed ids. */
export function jobIdRequestArb(keys: FuzzKeys): fc.Arbitrary<FuzzRequest> {
  const real = fc.nat().map((n) => ({ id: realJob(n), real: true }));
  const id = fc.oneof(
    { arbitrary: real, weight: 3 },
    { arbitrary: oddIds.map((i) => ({ id: i, real: false })), weight: 4 },
  );
  const suffix = fc.constantFrom('', '', '/cancel', '/cancel', '/replay', '/', '/cancel/', '/unknown', '/replay/x');
  const method = fc.oneof(
    { arbitrary: fc.constantFrom('GET', 'POST', 'DELETE'), weight: 5 },
    { arbitrary: fc.constantFrom(...METHODS), weight: 1 },
  );
  const body = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    fc.constantFrom('{}', '{"reason":"x"}', '[', '{"__proto__":{"x":1}}'),
  );
  return fc.tuple(id, suffix, method, authArb(keys, 1), body).chain(([target, tail, verb, auth, text]) =>
    queryArb(!target.real).map((query) => ({
      category: `${verb} /v1/jobs/{id}${tail}`,
      method: verb,
      path: `/v1/jobs/${target.id}${tail}${query}`,
      headers: { ...auth, ...(text !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(text !== undefined && verb !== 'GET' && verb !== 'HEAD' ? { body: text } : {}),
      detail: target.real ? 'a real job' : 'an odd id',
    })),
  );
}

const names = fc.oneof(
  fc.constantFrom('openai', 'anthropic', 'gemini', 'default', 'fuzz-a', 'fuzz-b', ...PROTO_NAMES, '%00', '..', ''),
  fuzzText(1, 20).map((text) => encodeSegment(text)),
);

/** Every other route — spend, admin, health, metrics, the document — and paths no route serves. */
export function otherRequestArb(keys: FuzzKeys): fc.Arbitrary<FuzzRequest> {
  const known = fc.oneof(
    fc.constantFrom('/v1/spend', '/v1/admin/circuits', '/healthz', '/readyz', '/metrics', '/openapi.json'),
    names.map((n) => `/v1/admin/tenants/${n}/spend`),
    names.map((n) => `/v1/admin/providers/${n}/keys`),
    fc.tuple(names, names).map(([p, a]) => `/v1/admin/providers/${p}/keys/${a}/restore`),
  );
  const odd = fc.oneof(
    fc.constantFrom(
      '/',
      '/v1',
      '/v1/',
      '/V1/JOBS',
      '/v1/jobs/',
      '/v1/chat',
      '/v1/chat/completions/',
      '/v1/chat/completions/extra',
      '/v1/embeddings',
      '/v1/admin',
      '/v1/admin/providers',
      '/metrics/',
      '/%',
      '/%ZZ',
      '/..%2f..%2fetc%2fpasswd',
      '/__proto__',
      '/constructor',
      '/v1/jobs/__proto__/replay',
      `/${'a'.repeat(4_000)}`,
      '/openapi.json/..',
    ),
    fc.webPath(),
    fc
      .array(fuzzText(1, 12), { minLength: 1, maxLength: 4 })
      .map((segments) => `/${segments.map(encodeSegment).join('/')}`),
  );
  const target = fc.oneof(
    { arbitrary: known.map((path) => ({ path, odd: false })), weight: 3 },
    { arbitrary: odd.map((path) => ({ path, odd: true })), weight: 2 },
  );
  const method = fc.oneof(
    { arbitrary: fc.constantFrom('GET', 'POST'), weight: 4 },
    { arbitrary: fc.constantFrom(...METHODS), weight: 1 },
  );
  const body = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    fc.constantFrom('{}', '{', 'null', '{"__proto__":1}'),
  );
  return fc
    .tuple(target, method, authArb(keys, 4), queryArb(false), body)
    .map(([{ path, odd: isOdd }, verb, auth, query, text]) => ({
      category: isOdd
        ? `${verb} odd path`
        : `${verb} ${path.replace(/\/v1\/admin\/(tenants|providers)\/[^/]*/, '/v1/admin/$1/{name}').replace(/keys\/[^/]*\/restore/, 'keys/{alias}/restore')}`,
      method: verb,
      path: `${path}${query}`,
      headers: { ...auth, ...(text !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(text !== undefined && verb !== 'GET' && verb !== 'HEAD' ? { body: text } : {}),
      anyErrorShape: isOdd,
      detail: isOdd ? 'an odd path' : 'a known route',
    }));
}
