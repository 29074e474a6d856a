import OpenAI, { toFile } from 'openai';
import { startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

// $1,000 per million tokens: the batch price is half, and a request's charge is visible in the ledger.
const PRICE_PER_TOKEN = 0.001;
const config = {
  models: {
    'pricey-chat': { provider: 'openai', model: 'gpt-4o-mini', inputUsdPerMTok: 1000, outputUsdPerMTok: 1000 },
  },
  batchJobs: { pollInitialSeconds: 0.2, pollMaxSeconds: 0.5 },
  tenants: {
    default: tenant('default'),
    acme: tenant('acme', { budget: { dailyUsd: 100 } }),
    stingy: tenant('stingy', { budget: { dailyUsd: 0.001 } }),
  },
};

let harness: Harness;
let url: string;
let openai: OpenAI;

beforeAll(async () => {
  harness = await startHarness({ api: true, config, mock: { batchCompletionMs: 1_000 } });
  url = harness.api!.url;
  openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: tenantKey('default'), maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await harness?.close();
});
beforeEach(() => harness.mock.setBehavior({ batchCompletionMs: 1_000 }));

/** A batch input line asking the mock to echo `text`. */
function line(customId: string, text: string, model = 'gpt-4o-mini', extra: Record<string, unknown> = {}) {
  return {
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content: text }], max_tokens: 50, ...extra },
  };
}

/** Items the mock answered in batches, by the API key of the provider (one key per harness). */
const batchCalls = () => harness.mock.calls().calls.filter((call) => call.endpoint === 'openai.batch');

async function untilEnded(id: string, key = tenantKey('default')): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const view = await api(url, 'GET', `/v1/batches/${id}`, { key });
    if (['completed', 'failed', 'cancelled', 'expired'].includes(view.body.status as string)) return view.body;
    if (Date.now() > deadline) throw new Error(`batch ${id} still ${String(view.body.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('batch jobs through the official openai SDK', () => {
  test('files.create → batches.create → batches.retrieve → files.content gives every answer in input order', async () => {
    const stamp = Date.now();
    const lines = Array.from({ length: 20 }, (_, i) => line(`req-${i}`, `sdk batch ${i} ${stamp}`));
    const file = await openai.files.create({
      file: await toFile(Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), 'input.jsonl'),
      purpose: 'batch',
    });
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', status: 'processed' });
    const created = await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { run: 'sdk' },
    });
    expect(created).toMatchObject({ object: 'batch', input_file_id: file.id, metadata: { run: 'sdk' } });
    expect(created.request_counts?.total).toBe(20);

    let batch = await openai.batches.retrieve(created.id);
    const deadline = Date.now() + 30_000;
    while (batch.status !== 'completed') {
      expect(['validating', 'in_progress', 'finalizing']).toContain(batch.status);
      if (Date.now() > deadline) throw new Error(`still ${batch.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      batch = await openai.batches.retrieve(created.id);
    }
    expect(batch.request_counts).toEqual({ total: 20, completed: 20, failed: 0 });
    expect(batch.error_file_id).toBeNull();
    const content = await (await openai.files.content(batch.output_file_id!)).text();
    const answers = content
      .trim()
      .split('\n')
      .map(
        (text) =>
          JSON.parse(text) as { custom_id: string; response: { status_code: number; body: OpenAI.ChatCompletion } },
      );
    expect(answers.map((a) => a.custom_id)).toEqual(lines.map((l) => l.custom_id));
    answers.forEach((answer, i) => {
      expect(answer.response.status_code).toBe(200);
      expect(answer.response.body.choices[0]?.message.content).toContain(`sdk batch ${i} ${stamp}`);
    });
  });
});

describe('batch jobs', () => {
  test('an Anthropic model runs on Message Batches, answered in input order', async () => {
    const stamp = Date.now();
    const requests = [0, 1, 2].map((i) => line(`claude-${i}`, `anthropic batch ${i} ${stamp}`, 'claude-haiku-4-5'));
    const created = await api(url, 'POST', '/v1/batches', {
      body: { requests, endpoint: '/v1/chat/completions', completion_window: '24h' },
      key: tenantKey('default'),
    });
    expect(created.status).toBe(200);
    const ended = await untilEnded(created.body.id as string);
    expect(ended).toMatchObject({ status: 'completed', request_counts: { total: 3, completed: 3, failed: 0 } });
    const output = await api(url, 'GET', `/v1/files/${ended.output_file_id as string}/content`, {
      key: tenantKey('default'),
    });
    const answers = String(output.body)
      .trim()
      .split('\n')
      .map(
        (text) =>
          JSON.parse(text) as {
            custom_id: string;
            response: { body: { choices: Array<{ message: { content: string } }> } };
          },
      );
    expect(answers.map((a) => a.custom_id)).toEqual(['claude-0', 'claude-1', 'claude-2']);
    answers.forEach((a, i) =>
      expect(a.response.body.choices[0]?.message.content).toContain(`anthropic batch ${i} ${stamp}`),
    );
  });

  test('a request the provider refuses is kept as an error; the others are answered', async () => {
    const stamp = Date.now();
    const requests = [
      line('a', `kept a ${stamp}`),
      line('b', `refused [[mock:status=400]] ${stamp}`),
      line('c', `kept c ${stamp}`),
    ];
    const created = await api(url, 'POST', '/v1/batches', {
      body: { requests, endpoint: '/v1/chat/completions', completion_window: '24h' },
      key: tenantKey('default'),
    });
    expect(created.status).toBe(200);
    const ended = await untilEnded(created.body.id as string);
    expect(ended).toMatchObject({ status: 'completed', request_counts: { total: 3, completed: 2, failed: 1 } });
    const errors = await api(url, 'GET', `/v1/files/${ended.error_file_id as string}/content`, {
      key: tenantKey('default'),
    });
    // One line of JSONL is one JSON value, which the helper parses.
    const text = typeof errors.body === 'string' ? errors.body : JSON.stringify(errors.body);
    const errorLines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatchObject({ custom_id: 'b', error: { code: 'provider_invalid_request' } });
  });

  test('the batch is charged once, at half the list price, for exactly what the provider answered', async () => {
    const key = tenantKey('acme');
    const spend = async () =>
      ((await api(url, 'GET', '/v1/spend', { key })).body as { daily: { committedUsd: number } }).daily.committedUsd;
    const before = await spend();
    const callsBefore = batchCalls().length;
    const stamp = Date.now();
    const requests = Array.from({ length: 10 }, (_, i) => line(`p${i}`, `priced ${i} ${stamp}`, 'pricey-chat'));
    const created = await api(url, 'POST', '/v1/batches', {
      body: { requests, endpoint: '/v1/chat/completions', completion_window: '24h' },
      key,
    });
    const ended = await untilEnded(created.body.id as string, key);
    const calls = batchCalls().slice(callsBefore);
    expect(calls).toHaveLength(10);
    const tokens = calls.reduce((sum, call) => sum + call.promptTokens + call.completionTokens, 0);
    const expected = tokens * PRICE_PER_TOKEN * 0.5;
    expect((ended.switchyard as { cost_usd: number }).cost_usd).toBeCloseTo(expected, 6);
    expect((await spend()) - before).toBeCloseTo(expected, 6);
  });

  test('progress is reported while the batch runs, in the batch and in GET /v1/jobs/:id', async () => {
    harness.mock.setBehavior({ batchCompletionMs: 3_000 });
    const stamp = Date.now();
    const requests = Array.from({ length: 30 }, (_, i) => line(`g${i}`, `progress ${i} ${stamp}`));
    const created = await api(url, 'POST', '/v1/batches', {
      body: { requests, endpoint: '/v1/chat/completions', completion_window: '24h' },
      key: tenantKey('default'),
    });
    const id = created.body.id as string;
    const seen = new Set<number>();
    let jobProgress: Record<string, unknown> | undefined;
    for (;;) {
      const view = await api(url, 'GET', `/v1/batches/${id}`, { key: tenantKey('default') });
      const counts = view.body.request_counts as { completed: number };
      if (view.body.status === 'in_progress') seen.add(counts.completed);
      if (view.body.status === 'completed') break;
      const job = await api(url, 'GET', `/v1/jobs/${id}`, { key: tenantKey('default') });
      if (job.body.progress) jobProgress = job.body.progress as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Counts rose while it ran: more than one value was seen before it ended.
    expect(seen.size).toBeGreaterThan(1);
    expect(jobProgress).toMatchObject({ total: 30 });
    const job = await api(url, 'GET', `/v1/jobs/${id}`, { key: tenantKey('default') });
    expect(job.body).toMatchObject({ status: 'completed', result: { state: 'completed', succeeded: 30 } });
  });

  test('cancelling stops the provider batch, and only what it answered before is charged', async () => {
    harness.mock.setBehavior({ batchCompletionMs: 6_000 });
    const key = tenantKey('acme');
    const callsBefore = batchCalls().length;
    const stamp = Date.now();
    const requests = Array.from({ length: 40 }, (_, i) => line(`x${i}`, `cancel me ${i} ${stamp}`, 'pricey-chat'));
    const created = await api(url, 'POST', '/v1/batches', {
      body: { requests, endpoint: '/v1/chat/completions', completion_window: '24h' },
      key,
    });
    const id = created.body.id as string;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const cancelling = await api(url, 'POST', `/v1/batches/${id}/cancel`, { key });
    expect(['cancelling', 'cancelled']).toContain(cancelling.body.status);
    const ended = await untilEnded(id, key);
    expect(ended.status).toBe('cancelled');
    const counts = ended.request_counts as { completed: number; failed: number };
    const answered = batchCalls().slice(callsBefore);
    expect(answered.length).toBe(counts.completed);
    expect(counts.completed).toBeLessThan(40);
    const tokens = answered.reduce((sum, call) => sum + call.promptTokens + call.completionTokens, 0);
    expect((ended.switchyard as { cost_usd: number }).cost_usd).toBeCloseTo(tokens * PRICE_PER_TOKEN * 0.5, 6);
  });

  test('a request already in the cache is answered from it and not sent', async () => {
    const text = `cached before the batch ${Date.now()}`;
    const sync = await api(url, 'POST', '/v1/chat/completions', {
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }], max_tokens: 50, temperature: 0 },
      key: tenantKey('default'),
    });
    expect(sync.status).toBe(200);
    const callsBefore = batchCalls().length;
    const requests = [line('hit', text, 'gpt-4o-mini', { temperature: 0 }), line('miss', `${text} not yet`)];
    const created = await api(url, 'POST', '/v1/batches', {
      body: { requests, endpoint: '/v1/chat/completions', completion_window: '24h' },
      key: tenantKey('default'),
    });
    const ended = await untilEnded(created.body.id as string);
    expect(ended.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const sent = batchCalls().slice(callsBefore);
    expect(sent.map((call) => call.promptHead)).toEqual([`${text} not yet`]);
  });
});

describe('bad batches get a 4xx naming the field', () => {
  const key = tenantKey('default');
  const post = (body: unknown, as = key) => api(url, 'POST', '/v1/batches', { body, key: as });
  const valid = { endpoint: '/v1/chat/completions', completion_window: '24h' };

  test.each([
    [{ ...valid }, 'input_file_id'],
    [{ requests: [line('a', 'x')], endpoint: '/v1/embeddings', completion_window: '24h' }, 'endpoint'],
    [{ requests: [line('a', 'x')], endpoint: '/v1/chat/completions', completion_window: '1h' }, 'completion_window'],
    [
      { ...valid, requests: [{ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: {} }] },
      'requests.0.body.model',
    ],
    [{ ...valid, requests: [line('a', 'x'), line('a', 'y')] }, 'requests.1'],
    [{ ...valid, requests: [line('a', 'x'), line('b', 'y', 'claude-haiku-4-5')] }, 'requests.1.body.model'],
    [{ ...valid, requests: [line('a', 'x', 'gemini-2.5-flash')] }, 'requests.0.body.model'],
  ])('%j', async (body, param) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.param).toBe(param);
  });

  test('an unknown file is a 404, and another tenant\u2019s file too', async () => {
    const file = await openai.files.create({
      file: await toFile(Buffer.from(JSON.stringify(line('a', 'x'))), 'mine.jsonl'),
      purpose: 'batch',
    });
    const theirs = await post({ ...valid, input_file_id: file.id }, tenantKey('acme'));
    expect(theirs.status).toBe(404);
    expect((await post({ ...valid, input_file_id: 'file-nope' })).status).toBe(404);
  });

  test('a tenant whose cap cannot take the batch\u2019s worst case gets a 402 and nothing is sent', async () => {
    const callsBefore = batchCalls().length;
    const answer = await post({ ...valid, requests: [line('a', 'too dear', 'pricey-chat')] }, tenantKey('stingy'));
    expect(answer.status).toBe(402);
    expect(batchCalls().length).toBe(callsBefore);
  });

  test('an upload with another purpose is a 400 naming purpose', async () => {
    const form = new FormData();
    form.set('purpose', 'fine-tune');
    form.set('file', new Blob(['{}']), 'x.jsonl');
    const response = await fetch(`${url}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: form,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('purpose');
  });
});
