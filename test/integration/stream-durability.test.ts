import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { startHarness, TEST_API_KEY, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { exited, spawnWorker } from '../helpers/worker-process';

// A streamed job whose worker is killed mid-stream: the client is told, the job completes on the next worker,
// and the ledger holds one charge: the call that completed.

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
