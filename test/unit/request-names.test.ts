import { loadConfig, resolveTargets, UnknownModelError } from '../../src/config';
import { ownEntry } from '../../src/config/own-entry';
import { failureHttpOf, tenantFailureMessage } from '../../src/contract/failure-http';
import { HttpError } from '../../src/api/http-error';
import { planJob } from '../../src/api/job-plan';
import { safeHeaderValue } from '../../src/api/safe-header';
import { chatCompletionBodySchema, jobBodySchema } from '../../src/api/schemas';
import { tenantAttempts, tenantResult } from '../../src/api/tenant-failure';
import { validate } from '../../src/api/validate';
import { createApiMetrics } from '../../src/telemetry/api-metrics';
import { modelLabel } from '../../src/telemetry/model-label';
import { FailureType } from '../../src/contract/failure-types';
import type { AiJobResult } from '../../src/contract/job';

const INHERITED_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** OpenAI configured (so its catalogue models and the default route exist) and one tenant, `default`. */
const config = loadConfig({ OPENAI_API_KEY: 'sk-1', SWITCHYARD_API_KEY: 'sk-tenant' });

const body = (model: string) => ({ model, messages: [{ role: 'user', content: 'Hi' }] });

function validationError(model: string): HttpError {
  try {
    validate(chatCompletionBodySchema, body(model));
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error(`model ${JSON.stringify(model)} was accepted`);
}

describe('model names in requests', () => {
  test.each(['gpt-4o-mini', 'openai:gpt-4o', 'llama3.1:8b', 'models/gemini-2.5-flash', 'accounts/fireworks/models/x'])(
    'when the model is %s, the request is accepted',
    (model) => {
      expect(validate(chatCompletionBodySchema, body(model)).model).toBe(model);
      expect(validate(jobBodySchema, body(model)).model).toBe(model);
    },
  );

  test.each([
    ['CR/LF', 'gpt-4o-mini\r\nx-injected: 1'],
    ['a tab', 'gpt\t4o'],
    ['a space', 'gpt 4o'],
    ['a NUL', 'gpt\u00004o'],
    ['a non-ASCII letter', 'gpt-4o-minié'],
    ['a non-Latin-1 character', 'openai:模型'],
    ['a line separator', 'openai:gpt\u20284o'],
    ['201 characters', 'a'.repeat(201)],
    ['nothing', ''],
  ])('when the model has %s, the request is a 400 naming the field model', (_label, model) => {
    const error = validationError(model);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.extra.param).toBe('model');
  });
});

describe('names that objects inherit', () => {
  test.each(INHERITED_NAMES)('when a request names %s, it is an unknown model like any other', (name) => {
    expect(() => resolveTargets(config, name)).toThrow(UnknownModelError);
    expect(() => planJob(config, 'default', { model: name, messages: [{ role: 'user', content: 'Hi' }] })).toThrow(
      UnknownModelError,
    );
  });

  test.each(INHERITED_NAMES)('when %s is named as a provider in provider:model, it is an unknown model', (name) => {
    expect(() => resolveTargets(config, `${name}:gpt-4o-mini`)).toThrow(UnknownModelError);
  });

  test('a tenant id that objects inherit is no tenant', () => {
    expect(() => planJob(config, 'constructor', { model: 'gpt-4o-mini', messages: [] })).toThrow(/unknown tenant/);
  });

  test('ownEntry finds only what the record itself holds', () => {
    const record: Record<string, number> = { a: 1 };
    expect(ownEntry(record, 'a')).toBe(1);
    for (const name of INHERITED_NAMES) expect(ownEntry(record, name)).toBeUndefined();
  });

  test('a failure type that objects inherit is told as an unknown failure', () => {
    expect(failureHttpOf('constructor')).toMatchObject({ status: 502, code: 'job_failed' });
    expect(failureHttpOf('toString').message).toMatch(/^The job failed/);
  });
});

describe('the model label of the job metrics', () => {
  test('configured models and routes keep their name; pass-through names count per provider; the rest is other', () => {
    expect(modelLabel(config, 'gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(modelLabel(config, 'default')).toBe('default');
    expect(modelLabel(config, 'openai:anything-123')).toBe('provider:openai');
    expect(modelLabel(config, 'nowhere:anything')).toBe('other');
    for (const name of INHERITED_NAMES) expect(modelLabel(config, name)).toBe('other');
    expect(modelLabel(config, 'constructor:x')).toBe('other');
  });

  test('when 50 different provider:model names are submitted, the label set does not grow', async () => {
    const metrics = createApiMetrics(undefined, config);
    for (let i = 0; i < 50; i++) metrics.jobsSubmitted.inc({ tenant: 'default', model: `openai:anything-${i}` });
    metrics.jobsSubmitted.inc({ tenant: 'default', model: 'gpt-4o-mini' });
    const counted = await metrics.registry.getSingleMetric('switchyard_jobs_submitted_total')!.get();
    expect(counted.values.map((v) => [v.labels.model, v.value])).toEqual([
      ['provider:openai', 50],
      ['gpt-4o-mini', 1],
    ]);
  });
});

describe('response header values', () => {
  test('a value with characters Node rejects in headers is made safe instead of throwing', () => {
    expect(safeHeaderValue('openai:gpt\r\n模型é')).toBe('openai:gpt?????');
  });

  test('a valid value passes unchanged, and a long one is cut', () => {
    expect(safeHeaderValue('openai:gpt-4o-mini')).toBe('openai:gpt-4o-mini');
    expect(safeHeaderValue('x'.repeat(2_000))).toHaveLength(512);
  });
});

describe('failure messages tenants see', () => {
  const providerText = 'Key "default" of provider "openai" reads OPENAI_API_KEY, which is not set on this worker';

  test('a provider failure is told in the fixed text of its type', () => {
    for (const type of [
      FailureType.Auth,
      FailureType.NotConfigured,
      FailureType.InvalidRequest,
      FailureType.ServerError,
    ]) {
      const message = tenantFailureMessage(type, providerText);
      expect(message).not.toContain('OPENAI_API_KEY');
      expect(message).toBe(failureHttpOf(type).message);
    }
  });

  test("Switchyard's own messages to the tenant are kept", () => {
    const cap = 'The daily cap of $1.00 would be exceeded.';
    expect(tenantFailureMessage(FailureType.BudgetExceeded, cap)).toBe(cap);
    expect(tenantFailureMessage(FailureType.CacheMiss, 'Nothing cached (cache-only).')).toBe(
      'Nothing cached (cache-only).',
    );
  });

  test('attempts and the degradation of a result carry the fixed texts', () => {
    const attempts = [
      { providerId: 'openai', model: 'gpt-4o-mini', outcome: FailureType.Auth, attempts: 1, message: providerText },
      { providerId: 'openai', model: 'gpt-4o', outcome: 'ok' as const, attempts: 1 },
    ];
    expect(tenantAttempts(attempts)).toEqual([
      { ...attempts[0], message: failureHttpOf(FailureType.Auth).message },
      attempts[1],
    ]);
    expect(tenantAttempts('not a list')).toBeUndefined();
    const result = {
      attempts,
      degradation: { reason: 'message', failureType: FailureType.NotConfigured, failureMessage: providerText },
    } as unknown as AiJobResult;
    expect(JSON.stringify(tenantResult(result))).not.toContain('OPENAI_API_KEY');
  });
});
