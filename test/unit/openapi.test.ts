import fc from 'fast-check';
import { z } from 'zod';
import { payloadsJsonSchema } from '../../src/codec/payload-json';
import { buildOpenApiDocument, type OpenApiDocument } from '../../src/api/openapi';
import { IDEMPOTENCY_KEY } from '../../src/api/routes/jobs';
import { chatCompletionBodySchema, jobBodySchema, jobIdSchema, waitQuerySchema } from '../../src/api/schemas';
import { embeddingsBodySchema, embeddingsJobBodySchema } from '../../src/api/embedding-schemas';
import { arbitraryOf, resolveRef, truncateUtf16, validateJson, type SchemaNode } from '../helpers/json-schema';

const document: OpenApiDocument = buildOpenApiDocument();
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** What zod itself makes of a schema: the document must hold exactly this. */
/** zod's JSON Schema of `schema`, with discriminated unions as `anyOf` (their branches exclude each other). */
function zodJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest).replace(/"oneOf":/g, '"anyOf":')) as Record<string, unknown>;
}

function operations(): { method: string; path: string; operation: Record<string, unknown> }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ method, path, operation: operation as unknown as Record<string, unknown> })),
  );
}

function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((child) => refsIn(child, found));
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsIn(value, found);
    }
  }
  return found;
}

/** A parameter object, following its `$ref`. */
function parameter(node: unknown): Record<string, unknown> {
  const ref = (node as { $ref?: unknown }).$ref;
  return (typeof ref === 'string' ? resolveRef(document, ref) : node) as Record<string, unknown>;
}

test('the document is OpenAPI 3.1 with its info, paths and components', () => {
  expect(document.openapi).toBe('3.1.0');
  expect(document.info).toEqual(expect.objectContaining({ title: 'Switchyard', version: expect.any(String) }));
  expect(document.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
  for (const path of Object.keys(document.paths)) expect(path).toMatch(/^\/[^?#]*$/);
  expect(JSON.parse(JSON.stringify(document))).toEqual(document);
});

test('every route the API serves is documented', () => {
  const documented = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
  expect(documented.sort()).toEqual(
    [
      'POST /v1/jobs',
      'GET /v1/jobs',
      'POST /v1/jobs/replays',
      'GET /v1/admin/tenants',
      'GET /v1/admin/dashboard/data',
      'GET /v1/jobs/{id}',
      'GET /v1/jobs/{id}/events',
      'DELETE /v1/jobs/{id}',
      'POST /v1/jobs/{id}/cancel',
      'POST /v1/jobs/{id}/replay',
      'POST /v1/chat/completions',
      'POST /v1/embeddings',
      'POST /v1/files',
      'GET /v1/files/{file_id}',
      'DELETE /v1/files/{file_id}',
      'GET /v1/files/{file_id}/content',
      'POST /v1/batches',
      'GET /v1/batches/{batch_id}',
      'POST /v1/batches/{batch_id}/cancel',
      'GET /v1/spend',
      'GET /v1/admin/tenants/{tenant}/spend',
      'GET /v1/admin/providers/{provider}/keys',
      'POST /v1/admin/providers/{provider}/keys/{alias}/restore',
      'GET /v1/admin/circuits',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /openapi.json',
      'POST /v1/admin/codec/decode',
      'POST /v1/admin/codec/encode',
      'POST /v1/admin/codec/{namespace}/decode',
      'POST /v1/admin/codec/{namespace}/encode',
    ].sort(),
  );
});

test('every $ref in the document resolves', () => {
  const refs = refsIn(document);
  expect(refs.length).toBeGreaterThan(20);
  for (const ref of refs) expect(() => resolveRef(document, ref)).not.toThrow();
});

test('every operation has a unique id, known tags and security schemes, and described responses', () => {
  const ids = new Set<string>();
  const tags = new Set(document.tags.map((t) => t.name));
  const schemes = new Set(Object.keys(document.components.securitySchemes));
  for (const { method, path, operation } of operations()) {
    const where = `${method} ${path}`;
    expect(typeof operation.operationId).toBe('string');
    expect(ids.has(operation.operationId as string)).toBe(false);
    ids.add(operation.operationId as string);
    for (const tag of operation.tags as string[]) expect(tags.has(tag)).toBe(true);
    for (const requirement of (operation.security as Record<string, string[]>[] | undefined) ?? document.security) {
      for (const scheme of Object.keys(requirement))
        expect({ where, known: schemes.has(scheme) }).toEqual({ where, known: true });
    }
    const responses = Object.entries(operation.responses as Record<string, unknown>);
    expect(responses.length).toBeGreaterThan(0);
    for (const [status, response] of responses) {
      expect(status).toMatch(/^[1-5]\d\d$/);
      expect(typeof parameter(response).description).toBe('string');
    }
  }
});

test('path templates and path parameters match one to one', () => {
  for (const { path, operation } of operations()) {
    const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    const declared = ((operation.parameters as unknown[] | undefined) ?? [])
      .map(parameter)
      .filter((p) => p.in === 'path');
    for (const p of declared) expect(p.required).toBe(true);
    expect(declared.map((p) => p.name).sort()).toEqual(inTemplate);
  }
});

test('error responses have the documented shapes: problem+json, or the OpenAI error object on the OpenAI routes', () => {
  for (const { path, operation } of operations()) {
    for (const [status, response] of Object.entries(operation.responses as Record<string, unknown>)) {
      if (Number(status) < 400) continue;
      const content = parameter(response).content as Record<string, { schema: { $ref: string } }>;
      if (['/v1/chat/completions', '/v1/embeddings'].includes(path) || /^\/v1\/(files|batches)/.test(path)) {
        expect(content['application/json']?.schema.$ref).toBe('#/components/schemas/OpenAIError');
      } else {
        expect(content['application/problem+json']?.schema.$ref).toBe('#/components/schemas/Problem');
      }
    }
  }
});

test('the request bodies and parameters are the schemas the routes validate with, generated by zod', () => {
  const { schemas } = document.components;
  expect(schemas.JobRequest).toEqual(zodJsonSchema(jobBodySchema));
  expect(schemas.ChatCompletionRequest).toEqual(zodJsonSchema(chatCompletionBodySchema));
  expect(schemas.EmbeddingsRequest).toEqual(zodJsonSchema(embeddingsBodySchema));
  expect(schemas.EmbeddingsJobRequest).toEqual(zodJsonSchema(embeddingsJobBodySchema));
  expect(schemas.JobId).toEqual(zodJsonSchema(jobIdSchema));
  expect(schemas.Payloads).toEqual(zodJsonSchema(payloadsJsonSchema));
  const bodySchema = (path: string) =>
    (document.paths[path]?.post?.requestBody as { content: Record<string, { schema: Record<string, unknown> }> })
      .content['application/json']?.schema;
  expect(bodySchema('/v1/jobs')).toEqual({
    oneOf: [{ $ref: '#/components/schemas/JobRequest' }, { $ref: '#/components/schemas/EmbeddingsJobRequest' }],
  });
  expect(bodySchema('/v1/chat/completions')?.$ref).toBe('#/components/schemas/ChatCompletionRequest');
  expect(bodySchema('/v1/embeddings')?.$ref).toBe('#/components/schemas/EmbeddingsRequest');

  const wait = (document.paths['/v1/jobs/{id}']?.get?.parameters ?? []).map(parameter).find((p) => p.name === 'wait');
  expect(wait).toEqual(
    expect.objectContaining({
      in: 'query',
      required: false,
      schema: (zodJsonSchema(waitQuerySchema) as { properties: Record<string, unknown> }).properties.wait,
    }),
  );
  const idempotency = parameter({ $ref: '#/components/parameters/IdempotencyKey' });
  expect(idempotency).toEqual(
    expect.objectContaining({ in: 'header', schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source } }),
  );
});

const schemaStrings = (min: number, max: number) =>
  fc.string({ unit: 'binary', minLength: min, maxLength: max }).map((s) => truncateUtf16(s, max));

test('when a body is generated from the document schema, the route schema accepts it (the two agree)', () => {
  const options = { string: schemaStrings, maxItems: 3, maxStringLength: 40 };
  const pairs: [string, z.ZodType][] = [
    ['JobRequest', jobBodySchema],
    ['ChatCompletionRequest', chatCompletionBodySchema],
  ];
  for (const [name, zodSchema] of pairs) {
    const schema = document.components.schemas[name] as SchemaNode;
    fc.assert(
      fc.property(arbitraryOf(schema, document, options), (body) => {
        expect(validateJson(schema, body, document)).toEqual([]);
        // Cross-field rules (a tool choice naming an offered tool, a tool result answering an earlier call) and
        // JSON-text arguments are refinements JSON Schema cannot say; everything else must agree.
        const issues = zodSchema.safeParse(body).error?.issues ?? [];
        expect(issues.filter((issue) => issue.code !== 'custom')).toEqual([]);
      }),
      { seed: 7, numRuns: 300 },
    );
  }
});

test('when the document schema rejects a body, the route schema rejects it too', () => {
  const schema = document.components.schemas.JobRequest as SchemaNode;
  const anyBody = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        model: fc.oneof(fc.string(), fc.integer()),
        messages: fc.array(fc.record({ role: fc.string(), content: fc.jsonValue({ maxDepth: 2 }) }), { maxLength: 2 }),
        temperature: fc.jsonValue({ maxDepth: 1 }),
        extra: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: ['model'] },
    ),
  );
  fc.assert(
    fc.property(anyBody, (body) => {
      if (validateJson(schema, body, document).length > 0) expect(jobBodySchema.safeParse(body).success).toBe(false);
    }),
    { seed: 11, numRuns: 500 },
  );
});
