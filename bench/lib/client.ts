/** Small HTTP helpers for scenarios that drive Switchyard request by request rather than through autocannon. */

/** A parsed JSON answer. */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Sends one JSON request with the bench's bearer key. */
export async function call(
  url: string,
  apiKey: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<JsonAnswer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** A chat request body with one user message. */
export function chatBody(content: string, model = 'gpt-4o-mini', extra: Record<string, unknown> = {}) {
  return { model, messages: [{ role: 'user', content }], ...extra };
}

/** A job as `GET /v1/jobs/:id` shows it once it has ended, with when the bench saw it end. */
export interface EndedJob {
  status: string;
  body: Record<string, unknown>;
  endedAt: number;
}

/**
 * Long-polls a job until it is no longer running: up to `maxPolls` waits of 60 s, or until `deadline`
 * (a `performance.now()` time), after which it answers with the job's last status, still running.
 */
export async function waitForJob(
  url: string,
  apiKey: string,
  id: string,
  options: { maxPolls?: number; deadline?: number } = {},
): Promise<EndedJob> {
  const { maxPolls = 10, deadline = Infinity } = options;
  let last: JsonAnswer | undefined;
  for (let poll = 0; poll < maxPolls; poll++) {
    const left = Math.floor((deadline - performance.now()) / 1000);
    if (left < 1) break;
    last = await call(url, apiKey, 'GET', `/v1/jobs/${id}?wait=${Math.min(60, left)}`);
    const status = typeof last.body.status === 'string' ? last.body.status : `http ${last.status}`;
    if (status !== 'running' && status !== 'queued') return { status, body: last.body, endedAt: performance.now() };
  }
  if (deadline !== Infinity) return { status: 'running', body: last?.body ?? {}, endedAt: performance.now() };
  throw new Error(`job ${id} still running after ${maxPolls} minutes`);
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` running at once; results in order. */
export async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
