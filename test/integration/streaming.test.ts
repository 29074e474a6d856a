import OpenAI, { APIError } from 'openai';
import type { MockCall } from '../../src/mock-provider';
import { chatBody, startHarness, TEST_API_KEY, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { sseEvents, type ParsedEvent } from '../helpers/sse';
import { WEATHER_TOOL } from '../helpers/provider-cases';

// `stream: true` through the official SDK, and every job's event stream, against the mock's own streams.

let harness: Harness;
let url: string;
let sequence = 0;

beforeAll(async () => {
  harness = await startHarness({ api: true, mock: { streamChunkGapMs: 0 } });
  url = harness.api!.url;
});
afterAll(async () => {
  await harness?.close();
});

/** Twenty words: the mock answers with about as many, so its stream has that many chunks. */
const LONG = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen';

const sdk = () => new OpenAI({ apiKey: TEST_API_KEY, baseURL: `${url}/v1`, maxRetries: 0 });

/** A prompt no other test sends, so that no two share a cache entry or the mock's fail-times count. */
function prompt(text: string): string {
  sequence += 1;
  return `${text} #${sequence} ${Date.now().toString(36)}`;
}

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<OpenAI.ChatCompletionChunk[]> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const joined = (chunks: readonly OpenAI.ChatCompletionChunk[]) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');

/** The mock's log entries whose prompt starts with `text` (directives removed). */
function callsFor(text: string): MockCall[] {
  return harness.mock.calls().calls.filter((call) => call.promptHead.startsWith(text.slice(0, 40)));
}

async function spendToday(): Promise<{ committedUsd: number; reservedUsd: number }> {
  const response = await api(url, 'GET', '/v1/spend');
  expect(response.status).toBe(200);
  return (response.body as { daily: { committedUsd: number; reservedUsd: number } }).daily;
}

const spentToday = async () => (await spendToday()).committedUsd;

describe('stream: true on the OpenAI-compatible endpoint', () => {
  test.each([['gpt-4o-mini'], ['claude-haiku-4-5'], ['gemini-2.5-flash']])(
    'the SDK streams %s token by token: the joined text is the provider answer, with a usage chunk',
    async (model) => {
      const text = prompt(`Stream a few words from ${model}, please, one by one`);
      const whole = await sdk().chat.completions.create({ model, messages: [{ role: 'user', content: text }] });
      const chunks = await collect(
        await sdk().chat.completions.create({
          model,
          messages: [{ role: 'user', content: text }],
          stream: true,
          stream_options: { include_usage: true },
        }),
      );
      expect(joined(chunks)).toBe(whole.choices[0]?.message.content);
      expect(chunks.filter((c) => (c.choices[0]?.delta.content ?? '') !== '').length).toBeGreaterThan(3);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]?.id)).toBe(true);
      expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
      // The last chunk carries the usage, as the provider's own stream reported it.
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      const streamed = callsFor(text).filter((call) => call.streamed === 'complete');
      expect(streamed).toHaveLength(1);
      expect(last.usage).toMatchObject({
        prompt_tokens: streamed[0]!.promptTokens,
        completion_tokens: streamed[0]!.completionTokens,
      });
    },
  );

  test('tokens are relayed as the provider sends them, not when the answer is complete', async () => {
    const text = prompt(`Take your time between words ${LONG} [[mock:chunk-gap=60]]`);
    const started = performance.now();
    const stream = await sdk().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: text }],
      stream: true,
    });
    let firstContentAt = 0;
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      if (!firstContentAt && chunk.choices[0]?.delta.content) firstContentAt = performance.now() - started;
      chunks.push(chunk);
    }
    const total = performance.now() - started;
    const contentChunks = chunks.filter((c) => (c.choices[0]?.delta.content ?? '') !== '').length;
    expect(contentChunks).toBeGreaterThan(4);
    // With 60 ms between the provider's chunks, the last arrives several gaps after the first.
    expect(total - firstContentAt).toBeGreaterThan(60 * (contentChunks - 2));
  });

  test('tool calls stream and join to the same call as the whole answer', async () => {
    const request = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: prompt('weather in Paris') }],
      tools: [WEATHER_TOOL],
      tool_choice: 'required' as const,
    };
    const whole = await sdk().chat.completions.create(request);
    const chunks = await collect(await sdk().chat.completions.create({ ...request, stream: true }));
    const calls = new Map<number, { name: string; arguments: string }>();
    for (const chunk of chunks) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        const known = calls.get(call.index) ?? { name: '', arguments: '' };
        known.name += call.function?.name ?? '';
        known.arguments += call.function?.arguments ?? '';
        calls.set(call.index, known);
      }
    }
    const expected = whole.choices[0]?.message.tool_calls?.map((call) =>
      call.type === 'function' ? { name: call.function.name, arguments: call.function.arguments } : null,
    );
    expect([...calls.values()]).toEqual(expected);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  test('a cache hit is streamed from the cache, without a provider call', async () => {
    const body = chatBody(prompt('Cached and streamed'), 'gpt-4o-mini', { temperature: 0 });
    const first = await api(url, 'POST', '/v1/chat/completions', { body });
    expect(first.status).toBe(200);
    const before = harness.mock.calls().calls.length;
    const { data, response } = await sdk()
      .chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const chunks = await collect(data);
    expect(response.headers.get('x-switchyard-cache')).toBe('hit');
    expect(joined(chunks)).toBe((first.body as OpenAI.ChatCompletion).choices[0]?.message.content);
    expect(chunks.at(-1)?.usage).toEqual((first.body as OpenAI.ChatCompletion).usage);
    expect(harness.mock.calls().calls.length).toBe(before);
  });

  test('a provider stream that fails before its first token is retried unseen', async () => {
    const text = prompt('Fail once first [[mock:status=500]] [[mock:fail-times=1]]');
    const chunks = await collect(
      await sdk().chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: text }],
        stream: true,
      }),
    );
    expect(joined(chunks).length).toBeGreaterThan(0);
    expect(callsFor(text.replace(/ \[\[.*$/, '')).filter((c) => c.streamed === 'complete')).toHaveLength(1);
  });

  test('a stream cut after tokens were sent ends with an error the SDK raises; the job completes, charged once', async () => {
    const text = prompt('Break off after three chunks');
    const before = await spentToday();
    const { data, response } = await sdk()
      .chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: `${text} [[mock:stream-drop=3]] [[mock:fail-times=1]]` }],
        stream: true,
      })
      .withResponse();
    const jobId = response.headers.get('x-switchyard-job-id');
    expect(jobId).toMatch(/^job_/);
    const received: OpenAI.ChatCompletionChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of data) received.push(chunk);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).code).toBe('stream_interrupted');
    expect(joined(received).length).toBeGreaterThan(0);

    const job = await api(url, 'GET', `/v1/jobs/${jobId}?wait=60`);
    expect(job.body).toMatchObject({ status: 'completed' });
    const result = (job.body as { result: { completion: OpenAI.ChatCompletion; costUsd: number } }).result;
    // What was relayed is the start of the answer the retry completed.
    expect(result.completion.choices[0]?.message.content?.startsWith(joined(received))).toBe(true);
    const calls = callsFor(text);
    expect(calls.map((c) => c.streamed).sort()).toEqual(['complete', 'cut']);
    const complete = calls.find((c) => c.streamed === 'complete')!;
    expect(result.completion.usage).toMatchObject({
      prompt_tokens: complete.promptTokens,
      completion_tokens: complete.completionTokens,
    });
    expect((await spentToday()) - before).toBeCloseTo(result.costUsd, 9);
  });

  test('a client that disconnects cancels its job and the provider stream, and pays for what was generated', async () => {
    const text = prompt(`Slow and long ${LONG} [[mock:chunk-gap=300]]`);
    const before = await spendToday();
    const controller = new AbortController();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...chatBody(text), stream: true }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const jobId = response.headers.get('x-switchyard-job-id');
    const events = sseEvents(response.body!);
    await events.next();
    controller.abort();
    await events.return(undefined).catch(() => undefined);
    const job = await api(url, 'GET', `/v1/jobs/${jobId}?wait=30`);
    expect(job.body).toMatchObject({ status: 'cancelled' });
    await waitFor(() => callsFor(text.replace(/ \[\[.*$/, '')).some((c) => c.streamed === 'cut'));
    // The tokens generated before the cut are charged (counted from what was streamed); the rest is released.
    const after = await spendToday();
    expect(after.committedUsd).toBeGreaterThan(before.committedUsd);
    expect(after.reservedUsd).toBeCloseTo(before.reservedUsd, 9);
  });
});

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a job's event stream, resuming after `lastEventId` when given. */
async function openEvents(jobId: string, lastEventId?: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/jobs/${jobId}/events`, {
    headers: { authorization: `Bearer ${TEST_API_KEY}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    ...(signal ? { signal } : {}),
  });
}

describe('GET /v1/jobs/:id/events', () => {
  test('a client that reconnects with Last-Event-ID gets every event once, in order, and then the end', async () => {
    const submitted = await api(url, 'POST', '/v1/jobs', {
      body: { ...chatBody(prompt('Events for a streamed job [[mock:chunk-gap=40]]')), stream: true },
    });
    expect(submitted.status).toBe(202);
    const jobId = (submitted.body as { id: string }).id;

    // First connection: the state, then some events; the client drops the connection.
    const controller = new AbortController();
    const first = await openEvents(jobId, undefined, controller.signal);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const seen: ParsedEvent[] = [];
    for await (const event of sseEvents(first.body!)) {
      seen.push(event);
      if (seen.filter((e) => e.event === 'token').length >= 4) break;
    }
    controller.abort();
    expect(seen[0]).toMatchObject({ event: 'state' });
    expect(seen[0]?.id).toBeUndefined();
    const lastId = seen.at(-1)!.id!;

    // Second connection, from the last id received, to the end.
    const second = await openEvents(jobId, lastId);
    expect(second.status).toBe(200);
    const rest: ParsedEvent[] = [];
    for await (const event of sseEvents(second.body!)) rest.push(event);
    expect(rest.some((e) => e.event === 'state')).toBe(false);
    const done = rest.at(-1)!;
    expect(done).toMatchObject({ event: 'done', id: 'end' });
    const final = JSON.parse(done.data) as { status: string; result: { completion: OpenAI.ChatCompletion } };
    expect(final.status).toBe('completed');

    const all = [...seen, ...rest].filter((e) => e.id !== undefined && e.id !== 'end');
    const ids = all.map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(all[0]).toMatchObject({ event: 'call' });
    const tokens = all
      .filter((e) => e.event === 'token')
      .map((e) => (JSON.parse(e.data) as { delta: { delta: { content?: string } } }).delta.delta.content ?? '')
      .join('');
    expect(tokens).toBe(final.result.completion.choices[0]?.message.content);

    // After the end there is nothing left: 204 tells an EventSource to stop.
    expect((await openEvents(jobId, 'end')).status).toBe(204);
  });

  test('a job that does not stream has its state and its end', async () => {
    const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody(prompt('Events without tokens')) });
    const jobId = (submitted.body as { id: string }).id;
    const events: ParsedEvent[] = [];
    for await (const event of sseEvents((await openEvents(jobId)).body!)) events.push(event);
    expect(events[0]).toMatchObject({ event: 'state' });
    expect(events.at(-1)).toMatchObject({ event: 'done', id: 'end' });
    expect(events.some((e) => e.event === 'token')).toBe(false);
  });

  test('a Last-Event-ID that is not one of the job is a 400 naming it; an unknown job is a 404', async () => {
    const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody(prompt('Bad resume')) });
    const jobId = (submitted.body as { id: string }).id;
    const bad = await openEvents(jobId, 'not-an-id');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_last_event_id', param: 'Last-Event-ID' });
    expect((await openEvents('job_doesnotexist000000000000')).status).toBe(404);
  });
});
