import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { startHarness, TEST_API_KEY, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { freePort } from '../helpers/free-port';
import { sseEvents, type ParsedEvent } from '../helpers/sse';
import { exited, spawnApi, spawnWorker, untilHealthy } from '../helpers/worker-process';

// A streamed job whose worker is killed mid-stream: the client is told, the job completes on the next worker,
// and the ledger holds one charge: the call that completed. And a job's event stream resumed on another API.

// $1,000 per million tokens, i.e. $0.001 a token, so that the charge is plain to see.
const PRICE_PER_TOKEN = 0.001;
const scratch = mkdtempSync(join(tmpdir(), 'switchyard-stream-durability-'));
let harness: Harness;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    worker: false,
    config: {
      models: {
        'pricey-chat': { provider: 'openai', model: 'gpt-4o-mini', inputUsdPerMTok: 1000, outputUsdPerMTok: 1000 },
      },
    },
  });
  await startWorker();
}, 120_000);

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await Promise.all(workers.map(exited));
  await harness?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function workerLog(n: number): string {
  return join(scratch, `worker-${n}.log`);
}

/** Starts one more worker process and waits until it polls. */
async function startWorker(): Promise<ChildProcess> {
  const n = workers.length + 1;
  const child = spawnWorker({ ...harness.env, LOG_LEVEL: 'info' }, workerLog(n));
  workers.push(child);
  const deadline = Date.now() + 60_000;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(workerLog(n), 'utf8');
    } catch {
      // Not written yet.
    }
    if (text.includes('"worker started"')) return child;
    if (child.exitCode !== null) throw new Error(`worker ${n} exited with ${child.exitCode}; see ${workerLog(n)}`);
    if (Date.now() > deadline) throw new Error(`worker ${n} did not start; see ${workerLog(n)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function committedToday(): Promise<number> {
  const response = await api(harness.api!.url, 'GET', '/v1/spend');
  return (response.body as { daily: { committedUsd: number } }).daily.committedUsd;
}

test('a worker killed mid-stream: the client gets stream_interrupted, the job completes on the next worker, charged once', async () => {
  const text = `Stream me slowly while the worker dies ${Date.now().toString(36)}`;
  const before = await committedToday();
  const openai = new OpenAI({ apiKey: TEST_API_KEY, baseURL: `${harness.api!.url}/v1`, maxRetries: 0 });
  const { data, response } = await openai.chat.completions
    .create({
      model: 'pricey-chat',
      messages: [{ role: 'user', content: `${text} [[mock:chunk-gap=150]]` }],
      stream: true,
    })
    .withResponse();
  const jobId = response.headers.get('x-switchyard-job-id');
  expect(jobId).toMatch(/^job_/);

  let received = '';
  let chunks = 0;
  let error: unknown;
  try {
    for await (const chunk of data) {
      received += chunk.choices[0]?.delta.content ?? '';
      chunks += 1;
      if (chunks === 4) {
        workers[0]!.kill('SIGKILL');
        await exited(workers[0]!);
        await startWorker();
      }
    }
  } catch (err) {
    error = err;
  }
  expect(chunks).toBeGreaterThanOrEqual(4);
  expect(error).toBeInstanceOf(APIError);
  expect((error as APIError).code).toBe('stream_interrupted');
  expect((error as APIError).message).toContain(jobId!);

  const job = await api(harness.api!.url, 'GET', `/v1/jobs/${jobId}?wait=60`);
  expect(job.body).toMatchObject({ status: 'completed' });
  const result = (job.body as { result: { completion: OpenAI.ChatCompletion; costUsd: number } }).result;
  expect(result.completion.choices[0]?.message.content?.startsWith(received)).toBe(true);

  const calls = harness.mock.calls().calls.filter((call) => call.promptHead.startsWith(text));
  expect(calls.map((call) => call.streamed).sort()).toEqual(['complete', 'cut']);
  const complete = calls.find((call) => call.streamed === 'complete')!;
  const expected = (complete.promptTokens + complete.completionTokens) * PRICE_PER_TOKEN;
  expect(result.costUsd).toBeCloseTo(expected, 9);
  // One charge: the call that completed, committed once by whichever worker ran it.
  expect((await committedToday()) - before).toBeCloseTo(expected, 9);
  console.log(
    `stream durability: ${chunks} chunks relayed before the kill; calls ${JSON.stringify(calls.map((c) => c.streamed))}; charged $${expected}`,
  );
}, 120_000);

test('a job event stream resumes on another API process with Last-Event-ID, without gaps or repeats', async () => {
  const port = await freePort();
  const other = spawnApi({ ...harness.env, PORT: String(port), HOST: '127.0.0.1' }, join(scratch, 'api-2.log'));
  const otherUrl = `http://127.0.0.1:${port}`;
  try {
    await untilHealthy(otherUrl, other, 60_000);
    const submitted = await api(harness.api!.url, 'POST', '/v1/jobs', {
      body: {
        model: 'pricey-chat',
        messages: [{ role: 'user', content: `Resume me elsewhere ${Date.now().toString(36)} [[mock:chunk-gap=40]]` }],
        stream: true,
      },
    });
    const jobId = (submitted.body as { id: string }).id;
    const open = (base: string, lastEventId?: string, signal?: AbortSignal) =>
      fetch(`${base}/v1/jobs/${jobId}/events`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        ...(signal ? { signal } : {}),
      });

    const controller = new AbortController();
    const seen: ParsedEvent[] = [];
    for await (const event of sseEvents((await open(harness.api!.url, undefined, controller.signal)).body!)) {
      seen.push(event);
      if (seen.filter((e) => e.event === 'token').length >= 3) break;
    }
    controller.abort();
    const rest: ParsedEvent[] = [];
    const resumed = await open(otherUrl, seen.at(-1)!.id);
    expect(resumed.status).toBe(200);
    for await (const event of sseEvents(resumed.body!)) rest.push(event);

    const done = rest.at(-1)!;
    expect(done).toMatchObject({ event: 'done', id: 'end' });
    const ids = [...seen, ...rest].filter((e) => e.id !== undefined && e.id !== 'end').map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const tokens = [...seen, ...rest]
      .filter((e) => e.event === 'token')
      .map((e) => (JSON.parse(e.data) as { delta: { delta: { content?: string } } }).delta.delta.content ?? '')
      .join('');
    const final = JSON.parse(done.data) as { result: { completion: OpenAI.ChatCompletion } };
    expect(tokens).toBe(final.result.completion.choices[0]?.message.content);
  } finally {
    other.kill('SIGTERM');
    await exited(other);
  }
}, 120_000);
