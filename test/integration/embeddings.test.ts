import OpenAI from 'openai';
import { embed } from '../../src/mock-provider/content';
import { startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';

// $1,000 per million tokens: a short text costs a few cents, so shares and caps are visible in the ledger.
const PRICE_PER_TOKEN = 0.001;
const config = {
  models: {
    'pricey-embed': {
      provider: 'openai',
      model: 'text-embedding-3-small',
      inputUsdPerMTok: PRICE_PER_TOKEN * 1e6,
      outputUsdPerMTok: 0,
      kind: 'embedding',
    },
  },
  // Groups fill by size here whatever the machine's pace: the wait only bounds a group that never fills.
  batching: { maxItems: 50, maxWaitMs: 500 },
  tenants: {
    default: tenant('default'),
    acme: tenant('acme', { budget: { dailyUsd: 100 } }),
    stingy: tenant('stingy', { budget: { dailyUsd: 0.01 } }),
    nocache: tenant('nocache', { cache: { mode: 'bypass' } }),
  },
};

let harness: Harness;
let url: string;
let openai: OpenAI;

beforeAll(async () => {
  harness = await startHarness({ api: true, config });
  url = harness.api!.url;
  openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: tenantKey('default'), maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

/** Embeddings calls the mock answered so far. */
const embeddingCalls = () => harness.mock.calls().calls.filter((call) => call.endpoint === 'openai.embeddings');

/** The mock's vector for `text`, as float32 values (what the provider sends). */
const expected = (text: string, dimensions?: number) => embed(text, dimensions);

interface EmbeddingsBody {
  data: Array<{ index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number };
}

/** A response whose body is an embeddings answer (or, for errors, an error envelope). */
interface EmbeddingsResponse extends JsonResponse {
  body: EmbeddingsBody;
}

function post(body: unknown, key = tenantKey('default')): Promise<EmbeddingsResponse> {
  return api(url, 'POST', '/v1/embeddings', { body, key });
}

describe('POST /v1/embeddings through the official openai SDK', () => {
  test('a string gets the mock\u2019s vector for it', async () => {
    const text = `sdk single ${Date.now()}`;
    const answer = await openai.embeddings.create({ model: 'text-embedding-3-small', input: text });
    expect(answer.object).toBe('list');
    expect(answer.data).toHaveLength(1);
    expect(answer.data[0]?.embedding).toEqual(expected(text));
    expect(answer.usage.prompt_tokens).toBeGreaterThan(0);
  });

  test('an array of 100 strings gets 100 vectors in input order, in two full provider calls', async () => {
    const texts = Array.from({ length: 100 }, (_, i) => `sdk array ${i} ${Date.now()}`);
    const before = embeddingCalls().length;
    const answer = await openai.embeddings.create({ model: 'text-embedding-3-small', input: texts });
    expect(answer.data.map((d) => d.index)).toEqual(texts.map((_, i) => i));
    answer.data.forEach((d, i) => expect(d.embedding).toEqual(expected(texts[i] ?? '')));
    const calls = embeddingCalls().slice(before);
    // 100 texts at 50 per batch.
    expect(calls).toHaveLength(2);
    expect(answer.usage.prompt_tokens).toBe(calls.reduce((sum, call) => sum + call.promptTokens, 0));
  });

  test('a Gemini embedding model answers through the same endpoint, charged by the text it read', async () => {
    const texts = [`gemini one ${Date.now()}`, `gemini two ${Date.now()}`];
    const answer = await openai.embeddings.create({ model: 'gemini-embedding-001', input: texts });
    answer.data.forEach((d, i) => expect(d.embedding).toEqual(expected(texts[i] ?? '')));
    // Gemini reports no usage: each text counts as its UTF-8 bytes, as its reservation did.
    expect(answer.usage.prompt_tokens).toBe(texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0));
  });

  test('dimensions shortens every vector, and float and base64 carry the same values', async () => {
    const text = `dims ${Date.now()}`;
    const floats = await post({
      model: 'text-embedding-3-small',
      input: text,
      dimensions: 8,
      encoding_format: 'float',
    });
    expect(floats.status).toBe(200);
    expect(floats.body.data[0]?.embedding).toEqual(expected(text, 8));
    const encoded = await post({
      model: 'text-embedding-3-small',
      input: text,
      dimensions: 8,
      encoding_format: 'base64',
    });
    const bytes = Buffer.from(String(encoded.body.data[0]?.embedding), 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(expected(text, 8));
  });
});

describe('micro-batching', () => {
  test('single-text requests sent together share provider calls, and each caller gets its own vector', async () => {
    const texts = Array.from({ length: 200 }, (_, i) => `together ${i} ${Date.now()}`);
    const before = embeddingCalls().length;
    const answers = await Promise.all(texts.map((text) => post({ model: 'text-embedding-3-small', input: text })));
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.body.data[0]?.embedding).toEqual(expected(texts[i] ?? ''));
    }
    const calls = embeddingCalls().length - before;
    // 200 texts at 50 per batch are 4 full calls; a few more when requests arrive more than 500 ms apart.
    expect(calls).toBeLessThanOrEqual(8);
    const sizes = answers.map((a) => Number(a.headers.get('x-switchyard-batch-size')));
    expect(Math.max(...sizes)).toBe(50);
  });

  test('one text the provider rejects fails its own request alone; the texts batched with it are embedded', async () => {
    const good = Array.from({ length: 7 }, (_, i) => `good neighbour ${i} ${Date.now()}`);
    const bad = `bad text [[mock:status=400]] ${Date.now()}`;
    const answers = await Promise.all(
      [...good.slice(0, 3), bad, ...good.slice(3)].map((text) =>
        post({ model: 'text-embedding-3-small', input: text }),
      ),
    );
    const failed = answers[3];
    expect(failed?.status).toBe(400);
    expect(JSON.stringify(failed?.body)).toContain('provider_invalid_request');
    const others = answers.filter((_, i) => i !== 3);
    others.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      expect(answer.body.data[0]?.embedding).toEqual(expected(good[i] ?? ''));
    });
  });
});

describe('the cache and budgets hold for embeddings', () => {
  test('a text embedded before is answered from the cache without a provider call', async () => {
    const text = `cache me ${Date.now()}`;
    const first = await post({ model: 'text-embedding-3-small', input: [text, `${text} too`] });
    expect(first.headers.get('x-switchyard-cache')).toBe('miss');
    const before = embeddingCalls().length;
    const again = await post({ model: 'text-embedding-3-small', input: [text] });
    expect(again.headers.get('x-switchyard-cache')).toBe('hit');
    expect(again.body.data[0]?.embedding).toEqual(expected(text));
    expect(again.body.usage.prompt_tokens).toBe(0);
    const partial = await post({ model: 'text-embedding-3-small', input: [text, `${text} new`] });
    expect(partial.headers.get('x-switchyard-cache')).toBe('partial');
    expect(embeddingCalls().length - before).toBe(1);
    expect(embeddingCalls().at(-1)?.promptHead).toContain(`${text} new`);
  });

  test('a tenant that bypasses the cache calls the provider every time', async () => {
    const text = `no cache ${Date.now()}`;
    const before = embeddingCalls().length;
    for (let i = 0; i < 2; i++) {
      const answer = await post({ model: 'text-embedding-3-small', input: text }, tenantKey('nocache'));
      expect(answer.headers.get('x-switchyard-cache')).toBe('miss');
    }
    expect(embeddingCalls().length - before).toBe(2);
  });

  test('each request is charged its share of the real usage: the ledger matches the mock\u2019s own log', async () => {
    const spendOf = async () =>
      ((await api(url, 'GET', '/v1/spend', { key: tenantKey('acme') })).body as { daily: { committedUsd: number } })
        .daily.committedUsd;
    const before = await spendOf();
    const callsBefore = embeddingCalls().length;
    const texts = Array.from({ length: 40 }, (_, i) => `charged ${'x'.repeat(i)} ${Date.now()}`);
    const answers = await Promise.all(
      texts.map((text) => post({ model: 'pricey-embed', input: text }, tenantKey('acme'))),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    const tokens = embeddingCalls()
      .slice(callsBefore)
      .reduce((sum, call) => sum + call.promptTokens, 0);
    const charged = answers.reduce((sum, a) => sum + Number(a.headers.get('x-switchyard-cost-usd')), 0);
    expect(charged).toBeCloseTo(tokens * PRICE_PER_TOKEN, 6);
    expect((await spendOf()) - before).toBeCloseTo(tokens * PRICE_PER_TOKEN, 6);
    expect(answers.reduce((sum, a) => sum + a.body.usage.prompt_tokens, 0)).toBe(tokens);
  });

  test('a tenant past its cap is refused before its text joins a batch, and nothing is called', async () => {
    const before = embeddingCalls().length;
    // 50 bytes at $0.001 a token may cost $0.05, over the $0.01 cap.
    const refused = await post({ model: 'pricey-embed', input: 'y'.repeat(50) }, tenantKey('stingy'));
    expect(refused.status).toBe(402);
    expect(JSON.stringify(refused.body)).toContain('budget_exceeded');
    expect(embeddingCalls().length).toBe(before);
  });
});

describe('bad input gets a 400 naming the field', () => {
  test.each([
    [{ input: 'no model' }, 'model'],
    [{ model: 'text-embedding-3-small' }, 'input'],
    [{ model: 'text-embedding-3-small', input: [] }, 'input'],
    [{ model: 'text-embedding-3-small', input: [1, 2, 3] }, 'input'],
    [{ model: 'text-embedding-3-small', input: [''] }, 'input.0'],
    [{ model: 'text-embedding-3-small', input: 'x', dimensions: 0 }, 'dimensions'],
    [{ model: 'text-embedding-3-small', input: 'x', encoding_format: 'hex' }, 'encoding_format'],
    [{ model: 'text-embedding-3-small', input: 'x', extra: true }, null],
    [{ model: 'no-such-model', input: 'x' }, 'model'],
    [{ model: 'gpt-4o-mini', input: 'x' }, 'model'],
  ])('%j', async (body, param) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect((answer.body as unknown as { error: { param: string | null } }).error.param).toBe(param);
  });

  test('an embedding model on the chat endpoint is a 400 naming the model', async () => {
    const answer = await api(url, 'POST', '/v1/chat/completions', {
      body: { model: 'text-embedding-3-small', messages: [{ role: 'user', content: 'hi' }] },
      key: tenantKey('default'),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'wrong_model_kind', param: 'model' });
  });
});

describe('embeddings jobs over /v1/jobs', () => {
  const key = tenantKey('default');

  test('a job with input runs to a result holding every vector in order, cached ones included', async () => {
    const stamp = Date.now();
    const cachedText = `job cached ${stamp}`;
    await post({ model: 'text-embedding-3-small', input: cachedText });
    const texts = [cachedText, `job fresh a ${stamp}`, `job fresh b ${stamp}`];
    const submitted = await api(url, 'POST', '/v1/jobs', {
      body: { model: 'text-embedding-3-small', input: texts, metadata: { run: 'one' } },
      key,
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id as string;
    const view = await api(url, 'GET', `/v1/jobs/${id}?wait=30`, { key });
    expect(view.body.status).toBe('completed');
    expect(view.body.metadata).toEqual({ run: 'one' });
    const result = view.body.result as {
      data: Array<{ index: number; embedding: number[] }>;
      usage: { prompt_tokens: number };
    };
    expect(result.data.map((d) => d.index)).toEqual([0, 1, 2]);
    result.data.forEach((d, i) => expect(d.embedding).toEqual(expected(texts[i] ?? '')));
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);
  });

  test('a text the provider refuses is an error at its index; the other texts of the job are embedded', async () => {
    const stamp = Date.now();
    const texts = [`ok one ${stamp}`, `refused [[mock:status=400]] ${stamp}`, `ok two ${stamp}`, `ok three ${stamp}`];
    const submitted = await api(url, 'POST', '/v1/jobs', {
      body: { model: 'text-embedding-3-small', input: texts },
      key,
    });
    const view = await api(url, 'GET', `/v1/jobs/${submitted.body.id as string}?wait=30`, { key });
    expect(view.body.status).toBe('completed');
    const data = (view.body.result as { data: Array<Record<string, unknown>> }).data;
    expect(data[1]).toMatchObject({ object: 'error', index: 1, error: { code: 'provider_invalid_request' } });
    for (const i of [0, 2, 3])
      expect(data[i]).toMatchObject({ object: 'embedding', embedding: expected(texts[i] ?? '') });
  });

  test('an Idempotency-Key gives a resubmission the same job', async () => {
    const body = { model: 'text-embedding-3-small', input: [`idempotent ${Date.now()}`] };
    const headers = { 'idempotency-key': `embed-${Date.now()}` };
    const first = await api(url, 'POST', '/v1/jobs', { body, key, headers });
    const again = await api(url, 'POST', '/v1/jobs', { body, key, headers });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  test('bad input in an embeddings job is a 400 naming the field', async () => {
    const answer = await api(url, 'POST', '/v1/jobs', { body: { model: 'text-embedding-3-small', input: [7] }, key });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].field).toBe('input');
  });
});
