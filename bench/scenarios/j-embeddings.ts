import { Agent, request } from 'node:http';
import { embed } from '../../src/mock-provider/content';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { type Stack } from '../lib/stack';
import { percentile, round, summarize } from '../lib/stats';

const REQUESTS = 1_000;
/** Switchyard's defaults (`batching` in the config), which the bound is stated in. */
const MAX_ITEMS = 64;
const MAX_WAIT_MS = 20;
const MODEL = 'text-embedding-3-small';
/**
 * Connections the callers share, kept alive as an SDK's pool keeps them: a thousand callers each opening its own
 * connection at once would measure the machine's TCP handshakes, not the accumulator.
 */
const CONNECTIONS = 200;

/** A POST over the shared keep-alive pool: status, headers and parsed body. */
function postJson(
  agent: Agent,
  url: string,
  apiKey: string,
  body: unknown,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          } catch {
            parsed = {};
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Sent {
  ok: boolean;
  correct: boolean;
  latencyMs: number;
  waitMs: number;
  batchSize: number;
}

/** One single-text request; its vector is checked against the mock's derivation. */
async function embedOne(stack: Stack, agent: Agent, text: string): Promise<Sent> {
  const started = performance.now();
  const answer = await postJson(agent, `${stack.apiUrl}/v1/embeddings`, stack.apiKey, {
    model: MODEL,
    input: text,
    encoding_format: 'float',
  });
  const latencyMs = performance.now() - started;
  const data = answer.body.data as Array<{ embedding: number[] }> | undefined;
  const vector = data?.[0]?.embedding;
  const want = embed(text);
  return {
    ok: answer.status === 200,
    correct: vector !== undefined && vector.length === want.length && vector.every((v, i) => v === want[i]),
    latencyMs,
    waitMs: Number(answer.headers['x-switchyard-batch-wait-ms'] ?? NaN),
    batchSize: Number(answer.headers['x-switchyard-batch-size'] ?? NaN),
  };
}

/** Sends `REQUESTS` single-text requests, request i at `offsetMs(i)`; how they fared and the calls they made. */
async function wave(stack: Stack, agent: Agent, label: string, offsetMs: (i: number) => number) {
  const calls = () => stack.mock.stats().byEndpoint['openai.embeddings'] ?? 0;
  const before = calls();
  const stamp = Date.now();
  const started = performance.now();
  const sent = await Promise.all(
    Array.from({ length: REQUESTS }, async (_, i) => {
      const delay = offsetMs(i);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      return embedOne(stack, agent, `${label} ${stamp} text ${i}`);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const waits = sent.map((s) => s.waitMs).sort((a, b) => a - b);
  return {
    providerCalls: calls() - before,
    ok: sent.filter((s) => s.ok).length,
    correct: sent.filter((s) => s.correct).length,
    waitP50: percentile(waits, 50),
    waitP95: percentile(waits, 95),
    waitMax: waits[waits.length - 1] ?? NaN,
    latency: summarize(sent.map((s) => s.latencyMs)),
    meanBatch: round(REQUESTS / Math.max(1, calls() - before), 1),
    seconds: round(seconds, 2),
  };
}

/**
 * (j) Micro-batching of embeddings: 1,000 single-text requests sent at once, then spread evenly over one second;
 * how many provider calls they cost (the bound: ceil(1000 / 64) + 10), whether each caller got its own vector,
 * and how long a text waited in the accumulator for its batch (the added wait; the bound: max wait + 50 ms at p95).
 * The reference is one direct call of the mock's embeddings endpoint.
 */
export const embeddingsScenario: Scenario = {
  id: 'embeddings',
  async run(stack): Promise<ScenarioResult> {
    const direct: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await fetch(`${stack.mock.url}/openai/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-mock-openai', 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, input: `direct ${i}` }),
      }).then((r) => r.text());
      direct.push(performance.now() - started);
    }
    const directP50 = summarize(direct).p50;
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    // Warm the path (first batch workflow, the pool's connections) so the waves measure the steady state.
    await Promise.all(
      Array.from({ length: CONNECTIONS }, (_, i) => embedOne(stack, agent, `warm-up ${Date.now()} ${i}`)),
    );
    const burst = await wave(stack, agent, 'burst', () => 0);
    const spread = await wave(stack, agent, 'spread', (i) => (i * 1000) / REQUESTS);
    agent.destroy();
    const bound = Math.ceil(REQUESTS / MAX_ITEMS) + 10;
    const row = (name: string, w: typeof burst) => [
      name,
      w.ok,
      w.correct,
      w.providerCalls,
      w.meanBatch,
      w.waitP50,
      w.waitP95,
      w.waitMax,
      w.latency.p50,
      w.latency.p99,
      w.seconds,
    ];
    return {
      id: 'embeddings',
      title: 'embeddings: single-text requests micro-batched into shared provider calls',
      load: `${REQUESTS} single-text requests (model ${MODEL}) over ${CONNECTIONS} keep-alive connections, all at once, then evenly over 1 s; batching ${MAX_ITEMS} items / ${MAX_WAIT_MS} ms; direct mock call p50 ${directP50} ms`,
      table: {
        columns: [
          'sent',
          'ok',
          'right vector',
          'provider calls',
          'texts/call',
          'batch wait p50 ms',
          'batch wait p95 ms',
          'batch wait max ms',
          'latency p50 ms',
          'latency p99 ms',
          'seconds',
        ],
        rows: [row('at once', burst), row('over 1 s', spread)],
      },
      summary: [
        {
          label: 'embeddings: provider calls for 1,000 texts',
          value: burst.providerCalls,
          unit: 'calls',
          vsFloor: 'none',
          note: `bound ${bound}; over 1 s: ${spread.providerCalls}`,
        },
        {
          label: 'embeddings: batch wait p95',
          value: burst.waitP95,
          unit: 'ms',
          vsFloor: 'none',
          note: `bound ${MAX_WAIT_MS + 50} ms; over 1 s: ${spread.waitP95} ms`,
        },
      ],
      data: { requests: REQUESTS, maxItems: MAX_ITEMS, maxWaitMs: MAX_WAIT_MS, bound, directP50, burst, spread },
    };
  },
};
