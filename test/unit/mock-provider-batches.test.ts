import Anthropic, {
  BadRequestError as AnthropicBadRequest,
  NotFoundError as AnthropicNotFound,
} from '@anthropic-ai/sdk';
import OpenAI, { BadRequestError, NotFoundError, toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { type MockProviderHandle, startMockProvider } from '../../src/mock-provider';

// The batch APIs of the mock, through the official SDKs (and plain fetch where the SDKs hide the wire): the
// OpenAI Files + Batch APIs and Anthropic's Message Batches API.

const FAST_MS = 200;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON lines and bodies
type Json = any;

let mock: MockProviderHandle;

beforeAll(async () => {
  mock = await startMockProvider({ port: 0, batchCompletionMs: FAST_MS });
});

beforeEach(() => {
  mock.setBehavior({ batchCompletionMs: FAST_MS, batchExpiryMs: 24 * 60 * 60 * 1000, errorRates: {} });
});

afterAll(async () => {
  await mock.close();
});

function openai(apiKey: string): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${mock.url}/openai/v1`, maxRetries: 0 });
}

function anthropic(apiKey: string): Anthropic {
  return new Anthropic({ apiKey, baseURL: `${mock.url}/anthropic`, maxRetries: 0 });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads until `done` holds, or fails after a while. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

interface ChatLine {
  custom_id: string;
  method: 'POST';
  url: '/v1/chat/completions';
  body: Record<string, unknown>;
}

function chatLine(customId: string, text: string, extra: Record<string, unknown> = {}): ChatLine {
  return {
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }], ...extra },
  };
}

function jsonl(lines: readonly unknown[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

/** Uploads the lines and starts a chat batch on them. */
async function submit(client: OpenAI, lines: readonly unknown[], endpoint = '/v1/chat/completions'): Promise<Batch> {
  const file = await client.files.create({
    file: await toFile(Buffer.from(jsonl(lines)), 'input.jsonl'),
    purpose: 'batch',
  });
  return client.batches.create({
    input_file_id: file.id,
    endpoint: endpoint as '/v1/chat/completions',
    completion_window: '24h',
  });
}

const ended = (batch: Batch): boolean => ['completed', 'failed', 'expired', 'cancelled'].includes(batch.status);

async function finished(client: OpenAI, id: string): Promise<Batch> {
  return until(() => client.batches.retrieve(id), ended, `batch ${id} to end`);
}

/** The lines of a file, by custom_id. */
async function fileLines(client: OpenAI, fileId: string | null | undefined): Promise<Map<string, Json>> {
  const lines = new Map<string, Json>();
  if (!fileId) return lines;
  const text = await (await client.files.content(fileId)).text();
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const parsed = JSON.parse(line);
    lines.set(parsed.custom_id, parsed);
  }
  return lines;
}

function loggedCalls(apiKey: string, endpoint: string) {
  return mock.calls().calls.filter((call) => call.apiKey === apiKey && call.endpoint === endpoint);
}

describe('OpenAI Files and Batch APIs through the openai SDK', () => {
  it('when a batch completes, every item is answered as the chat endpoint answers the same request', async () => {
    const client = openai('sk-batch-happy');
    const lines = [
      chatLine('a', 'What is the capital of France?'),
      chatLine('b', 'Second question'),
      chatLine('c', 'Third'),
    ];
    const created = await submit(client, lines);
    expect(created).toMatchObject({ object: 'batch', status: 'validating', endpoint: '/v1/chat/completions' });
    expect(created.id).toMatch(/^batch_/);

    const batch = await finished(client, created.id);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    expect(batch.error_file_id).toBeNull();
    expect(batch.in_progress_at).toEqual(expect.any(Number));
    expect(batch.finalizing_at).toEqual(expect.any(Number));
    expect(batch.completed_at).toEqual(expect.any(Number));
    expect(batch.model).toBe('gpt-4o-mini');

    const output = await fileLines(client, batch.output_file_id);
    expect([...output.keys()].sort()).toEqual(['a', 'b', 'c']);
    const sync = await client.chat.completions.create(lines[0]!.body as never);
    const line = output.get('a');
    expect(line).toMatchObject({ custom_id: 'a', error: null, response: { status_code: 200 } });
    expect(line.id).toMatch(/^batch_req_/);
    expect(line.response.request_id).toMatch(/^req_/);
    expect(line.response.body.choices[0].message.content).toBe(sync.choices[0]!.message.content);
    expect(line.response.body.usage).toEqual(sync.usage);
    expect(batch.usage).toMatchObject({
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
    });
  });

  it('when one item carries a fault directive or an invalid body, only that item fails, in the error file', async () => {
    const client = openai('sk-batch-item-errors');
    const batch = await finished(
      client,
      (
        await submit(client, [
          chatLine('ok', 'Fine'),
          chatLine('boom', 'Break [[mock:status=500]]'),
          chatLine('policy', 'Refuse [[mock:content-policy]]'),
          chatLine('invalid', 'Too hot', { temperature: 5 }),
          chatLine('slow', 'Never [[mock:hang]]'),
        ])
      ).id,
    );

    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 5, completed: 1, failed: 4 });
    const output = await fileLines(client, batch.output_file_id);
    const errors = await fileLines(client, batch.error_file_id);
    expect([...output.keys()]).toEqual(['ok']);
    expect(errors.get('boom')).toMatchObject({
      response: { status_code: 500, body: { error: { type: 'server_error' } } },
    });
    expect(errors.get('policy')).toMatchObject({
      response: { status_code: 400, body: { error: { code: 'content_policy_violation' } } },
    });
    expect(errors.get('invalid')).toMatchObject({
      error: null,
      response: {
        status_code: 400,
        body: { error: { message: "Invalid 'temperature': expected a number from 0 to 2." } },
      },
    });
    expect(errors.get('slow')).toMatchObject({ response: null, error: { code: 'request_timeout' } });
  });

  it('when the batch is polled, its progress rises item by item until it completes', async () => {
    mock.setBehavior({ batchCompletionMs: 1_000 });
    const client = openai('sk-batch-progress');
    const created = await submit(
      client,
      Array.from({ length: 20 }, (_, i) => chatLine(`item-${i}`, `Question ${i}`)),
    );
    const seen: Array<{ status: string; completed: number }> = [];
    await until(
      async () => {
        const batch = await client.batches.retrieve(created.id);
        seen.push({ status: batch.status, completed: batch.request_counts?.completed ?? 0 });
        return batch;
      },
      ended,
      'the batch to end',
    );

    const completed = seen.map((s) => s.completed);
    expect(completed).toEqual([...completed].sort((a, b) => a - b));
    expect(completed.some((count) => count > 0 && count < 20)).toBe(true);
    expect(seen.map((s) => s.status)).toEqual(expect.arrayContaining(['validating', 'in_progress', 'completed']));
    expect(seen[seen.length - 1]).toEqual({ status: 'completed', completed: 20 });
  });

  it('when answered items are read again, each one is logged once, with the usage of its output line', async () => {
    const key = 'sk-batch-log';
    const client = openai(key);
    const batch = await finished(client, (await submit(client, [chatLine('x', 'One'), chatLine('y', 'Two')])).id);
    await client.batches.retrieve(batch.id);
    await client.batches.list();

    const calls = loggedCalls(key, 'openai.batch');
    const output = await fileLines(client, batch.output_file_id);
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => call.promptHead).sort()).toEqual(['One', 'Two']);
    const usage = output.get('x').response.body.usage;
    expect(calls.find((call) => call.promptHead === 'One')).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
    });
    expect(mock.stats().byEndpoint['openai.batches.create']).toBeGreaterThanOrEqual(1);
  });

  it('when a batch is cancelled, the items not yet answered are never run, logged or counted', async () => {
    mock.setBehavior({ batchCompletionMs: 4_000 });
    const key = 'sk-batch-cancel';
    const client = openai(key);
    const created = await submit(
      client,
      Array.from({ length: 10 }, (_, i) => chatLine(`c${i}`, `Item ${i}`)),
    );
    await until(
      () => client.batches.retrieve(created.id),
      (batch) => (batch.request_counts?.completed ?? 0) >= 2,
      'two items to be answered',
    );

    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toEqual(expect.any(Number));
    const batch = await finished(client, created.id);
    expect(batch.status).toBe('cancelled');
    const done = batch.request_counts!.completed;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(10);
    expect(batch.request_counts!.failed).toBe(0);

    const output = await fileLines(client, batch.output_file_id);
    const errors = await fileLines(client, batch.error_file_id);
    expect(output.size).toBe(done);
    expect(errors.size).toBe(10 - done);
    for (const line of errors.values())
      expect(line).toMatchObject({ response: null, error: { code: 'batch_cancelled' } });
    await sleep(300);
    expect(loggedCalls(key, 'openai.batch')).toHaveLength(done);
  });

  it('when a batch has ended, cancelling it is refused with a 400', async () => {
    const client = openai('sk-batch-cancel-late');
    const batch = await finished(client, (await submit(client, [chatLine('a', 'x')])).id);
    await expect(client.batches.cancel(batch.id)).rejects.toBeInstanceOf(BadRequestError);
  });

  it('when the window runs out first, the batch expires and its unanswered items are batch_expired', async () => {
    mock.setBehavior({ batchCompletionMs: 1_000, batchExpiryMs: 300 });
    const client = openai('sk-batch-expiry');
    const batch = await finished(client, (await submit(client, [chatLine('a', 'x'), chatLine('b', 'y')])).id);

    expect(batch.status).toBe('expired');
    expect(batch.expired_at).toEqual(expect.any(Number));
    const errors = await fileLines(client, batch.error_file_id);
    expect(errors.get('b')).toMatchObject({ response: null, error: { code: 'batch_expired' } });
  });

  it('when a line of the input file is not JSON, the batch fails validation naming the line', async () => {
    const client = openai('sk-batch-invalid-file');
    const file = await client.files.create({
      file: await toFile(Buffer.from(`${JSON.stringify(chatLine('a', 'x'))}\n{not json\n`), 'input.jsonl'),
      purpose: 'batch',
    });
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const batch = await finished(client, created.id);

    expect(batch.status).toBe('failed');
    expect(batch.failed_at).toEqual(expect.any(Number));
    expect(batch.errors?.data).toEqual([expect.objectContaining({ code: 'invalid_json_line', line: 2 })]);
    expect(batch.output_file_id).toBeNull();
  });

  it('when a line repeats a custom_id, the batch fails validation', async () => {
    const client = openai('sk-batch-duplicate');
    const batch = await finished(client, (await submit(client, [chatLine('same', 'x'), chatLine('same', 'y')])).id);
    expect(batch.errors?.data).toEqual([expect.objectContaining({ code: 'duplicate_custom_id', line: 2 })]);
  });

  it('when an embeddings batch completes, its output lines hold embeddings', async () => {
    const client = openai('sk-batch-embed');
    const created = await submit(
      client,
      [
        {
          custom_id: 'e',
          method: 'POST',
          url: '/v1/embeddings',
          body: { model: 'text-embedding-3-small', input: 'hi' },
        },
      ],
      '/v1/embeddings',
    );
    const output = await fileLines(client, (await finished(client, created.id)).output_file_id);
    expect(output.get('e').response.body).toMatchObject({ object: 'list', data: [{ object: 'embedding', index: 0 }] });
  });

  it('when batches are listed, the newest comes first and pages follow the after cursor', async () => {
    const client = openai('sk-batch-list');
    const first = await submit(client, [chatLine('a', 'x')]);
    const second = await submit(client, [chatLine('a', 'y')]);

    const page = await client.batches.list({ limit: 1 });
    expect(page.data.map((batch) => batch.id)).toEqual([second.id]);
    expect(page.has_more).toBe(true);
    const next = await client.batches.list({ limit: 1, after: second.id });
    expect(next.data.map((batch) => batch.id)).toEqual([first.id]);
  });

  it('when a file is uploaded, it can be retrieved, read back and deleted', async () => {
    const client = openai('sk-files');
    const content = jsonl([chatLine('a', 'x')]);
    const file = await client.files.create({ file: await toFile(Buffer.from(content), 'in.jsonl'), purpose: 'batch' });

    expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'in.jsonl', bytes: content.length });
    expect(await client.files.retrieve(file.id)).toEqual(file);
    expect(await (await client.files.content(file.id)).text()).toBe(content);
    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('when a batch file is not .jsonl or the batch names an unknown file, the request is rejected with a 400', async () => {
    const client = openai('sk-files-bad');
    await expect(
      client.files.create({ file: await toFile(Buffer.from('x'), 'in.csv'), purpose: 'batch' }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' }),
    ).rejects.toBeInstanceOf(BadRequestError);
  });

  it('when a batch id is unknown, retrieve and cancel answer 404', async () => {
    const client = openai('sk-batch-404');
    await expect(client.batches.retrieve('batch_nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.batches.cancel('batch_nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('OpenAI Batch API over plain HTTP', () => {
  it('when a multipart upload and a JSON batch are sent by hand, the wire shapes are the real ones', async () => {
    const headers = { authorization: 'Bearer sk-batch-fetch' };
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([jsonl([chatLine('only', 'By hand')])]), 'hand.jsonl');
    const upload = await fetch(`${mock.url}/openai/v1/files`, { method: 'POST', headers, body: form });
    expect(upload.status).toBe(200);
    expect(upload.headers.get('x-request-id')).toMatch(/^req_/);
    const file: Json = await upload.json();

    const create = await fetch(`${mock.url}/openai/v1/batches`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    });
    const created: Json = await create.json();
    expect(created).toMatchObject({
      object: 'batch',
      status: 'validating',
      request_counts: { total: 0, completed: 0, failed: 0 },
      output_file_id: null,
      errors: null,
      metadata: null,
    });

    const batch = await until(
      async (): Promise<Json> => (await fetch(`${mock.url}/openai/v1/batches/${created.id}`, { headers })).json(),
      (body) => body.status === 'completed',
      'the batch to complete',
    );
    const content = await fetch(`${mock.url}/openai/v1/files/${batch.output_file_id}/content`, { headers });
    const [line] = (await content.text()).trim().split('\n');
    expect(JSON.parse(line!)).toMatchObject({ custom_id: 'only', response: { status_code: 200 }, error: null });
  });

  it('when a request has no key, it is answered 401 in OpenAI’s error format', async () => {
    const response = await fetch(`${mock.url}/openai/v1/batches`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('when the batch completion time is changed through the behavior route, new batches take it', async () => {
    const response = await fetch(`${mock.url}/_mock/behavior`, {
      method: 'POST',
      body: JSON.stringify({ batchCompletionMs: 0 }),
    });
    expect(await response.json()).toMatchObject({ batchCompletionMs: 0 });
    const client = openai('sk-batch-instant');
    const created = await submit(client, [chatLine('a', 'x')]);
    expect(created.status).toBe('completed');
  });

  it('when the mock is reset, its batches and files are gone', async () => {
    const client = openai('sk-batch-reset');
    const created = await submit(client, [chatLine('a', 'x')]);
    await fetch(`${mock.url}/_mock/reset`, { method: 'POST' });
    await expect(client.batches.retrieve(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("Anthropic's Message Batches API through @anthropic-ai/sdk", () => {
  const params = (text: string, extra: Record<string, unknown> = {}) => ({
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    messages: [{ role: 'user' as const, content: text }],
    ...extra,
  });

  async function ended(client: Anthropic, id: string) {
    return until(
      () => client.messages.batches.retrieve(id),
      (b) => b.processing_status === 'ended',
      `batch ${id}`,
    );
  }

  async function results(client: Anthropic, id: string) {
    const byId = new Map<string, Json>();
    for await (const line of await client.messages.batches.results(id)) byId.set(line.custom_id, line.result);
    return byId;
  }

  it('when a batch ends, each request is answered as the messages endpoint answers it, and logged once', async () => {
    const key = 'sk-ant-batch';
    const client = anthropic(key);
    const created = await client.messages.batches.create({
      requests: [
        { custom_id: 'first', params: params('Hello there') },
        { custom_id: 'second', params: params('General Kenobi') },
      ],
    });
    expect(created).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      results_url: null,
      ended_at: null,
    });
    expect(created.id).toMatch(/^msgbatch_/);

    const batch = await ended(client, created.id);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    expect(batch.results_url).toBe(`${mock.url}/anthropic/v1/messages/batches/${created.id}/results`);
    expect(batch.ended_at).toEqual(expect.any(String));

    const byId = await results(client, created.id);
    const sync = await client.messages.create(params('Hello there'));
    expect(byId.get('first')).toMatchObject({
      type: 'succeeded',
      message: { content: sync.content, usage: sync.usage },
    });
    const calls = loggedCalls(key, 'anthropic.batch');
    expect(calls).toHaveLength(2);
    expect(calls.find((call) => call.promptHead === 'Hello there')).toMatchObject({
      provider: 'anthropic',
      promptTokens: sync.usage.input_tokens,
      completionTokens: sync.usage.output_tokens,
    });
  });

  it('when a request carries a fault directive or invalid params, only that request errors', async () => {
    const client = anthropic('sk-ant-batch-errors');
    const created = await client.messages.batches.create({
      requests: [
        { custom_id: 'ok', params: params('Fine') },
        { custom_id: 'overloaded', params: params('Busy [[mock:status=529]]') },
        { custom_id: 'invalid', params: { ...params('x'), max_tokens: 0 } },
      ],
    });
    const batch = await ended(client, created.id);
    expect(batch.request_counts).toMatchObject({ succeeded: 1, errored: 2 });

    const byId = await results(client, created.id);
    expect(byId.get('ok').type).toBe('succeeded');
    expect(byId.get('overloaded')).toEqual({
      type: 'errored',
      error: {
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
        request_id: expect.any(String),
      },
    });
    expect(byId.get('invalid')).toMatchObject({
      type: 'errored',
      error: {
        error: { type: 'invalid_request_error', message: 'max_tokens: Input should be greater than or equal to 1' },
      },
    });
  });

  it('when a batch is cancelled, the requests not yet answered end up canceled and unlogged', async () => {
    mock.setBehavior({ batchCompletionMs: 5_000 });
    const key = 'sk-ant-batch-cancel';
    const client = anthropic(key);
    const created = await client.messages.batches.create({
      requests: Array.from({ length: 4 }, (_, i) => ({ custom_id: `r${i}`, params: params(`Item ${i}`) })),
    });
    const cancelling = await client.messages.batches.cancel(created.id);
    expect(cancelling.processing_status).toBe('canceling');
    expect(cancelling.cancel_initiated_at).toEqual(expect.any(String));

    const batch = await ended(client, created.id);
    expect(batch.request_counts).toMatchObject({ processing: 0, canceled: 4, succeeded: 0 });
    const byId = await results(client, created.id);
    expect([...byId.values()]).toEqual(Array.from({ length: 4 }, () => ({ type: 'canceled' })));
    expect(loggedCalls(key, 'anthropic.batch')).toHaveLength(0);
    await expect(client.messages.batches.cancel(created.id)).rejects.toBeInstanceOf(AnthropicBadRequest);
  });

  it('when custom_ids repeat or break the pattern, the batch is rejected with a 400', async () => {
    const client = anthropic('sk-ant-batch-bad');
    await expect(
      client.messages.batches.create({
        requests: [
          { custom_id: 'same', params: params('a') },
          { custom_id: 'same', params: params('b') },
        ],
      }),
    ).rejects.toBeInstanceOf(AnthropicBadRequest);
    await expect(
      client.messages.batches.create({ requests: [{ custom_id: 'has space', params: params('a') }] }),
    ).rejects.toBeInstanceOf(AnthropicBadRequest);
  });

  it('when results are fetched before the batch ends, the mock answers 400', async () => {
    mock.setBehavior({ batchCompletionMs: 5_000 });
    const client = anthropic('sk-ant-batch-early');
    const created = await client.messages.batches.create({ requests: [{ custom_id: 'a', params: params('x') }] });
    const response = await fetch(`${mock.url}/anthropic/v1/messages/batches/${created.id}/results`, {
      headers: { 'x-api-key': 'sk-ant-batch-early' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    await client.messages.batches.cancel(created.id);
  });

  it('when a batch id is unknown, the mock answers 404 in Anthropic’s error format', async () => {
    await expect(anthropic('sk-ant-404').messages.batches.retrieve('msgbatch_nope')).rejects.toBeInstanceOf(
      AnthropicNotFound,
    );
  });

  it('when batches are listed, the newest comes first', async () => {
    const client = anthropic('sk-ant-batch-list');
    const first = await client.messages.batches.create({ requests: [{ custom_id: 'a', params: params('x') }] });
    const second = await client.messages.batches.create({ requests: [{ custom_id: 'a', params: params('y') }] });
    const page = await client.messages.batches.list({ limit: 2 });
    expect(page.data.map((batch) => batch.id)).toEqual([second.id, first.id]);
  });
});
