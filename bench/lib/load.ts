import autocannon from 'autocannon';

/** One autocannon run against a JSON endpoint, each request with its own body. */
export interface LoadOptions {
  /** One URL, or several (e.g. one per API process): connection i then goes to URL i mod n. */
  url: string | readonly string[];
  apiKey: string;
  /** Requests in flight at once (autocannon connections, no pipelining). */
  connections: number;
  durationSeconds?: number;
  /** A fixed number of requests instead of a duration. */
  amount?: number;
  /**
   * The body of request `n` (counted from 0 across the run), or `{ same: body }` for one body sent every time,
   * which autocannon then serialises once instead of per request (the load generator shares the machine).
   */
  body: ((n: number) => unknown) | { same: unknown };
  /** @default 60 */
  timeoutSeconds?: number;
}

/** What a load run measured; latencies in ms (autocannon resolves them to the millisecond). */
export interface LoadResult {
  seconds: number;
  responses: number;
  ok: number;
  okPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  byStatus: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
}

/** The cells a load table starts each level's row with: in flight, per second, p50, p99, non-2xx, errors. */
export function loadCells(inFlight: number, level: LoadResult): Array<number | string> {
  return [inFlight, level.okPerSecond, level.p50, level.p99, describeNon2xx(level.byStatus), level.errors];
}

/** Runs autocannon in this process with a unique body per request. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const { body } = options;
  const result = await autocannon({
    // autocannon 9 takes an array of URLs and hands them out to its connections in turn (lib/run.js),
    // though its types only say string.
    url: options.url as string,
    method: 'POST',
    headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationSeconds ?? 10 }),
    timeout: options.timeoutSeconds ?? 60,
    ...(typeof body === 'function'
      ? { requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify(body(next++)) }) }] }
      : { body: JSON.stringify(body.same) }),
  });
  const byStatus: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) byStatus[status] = stats.count ?? 0;
  return {
    seconds: result.duration,
    responses: result.requests.total,
    ok: result['2xx'],
    okPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    byStatus,
    errors: result.errors,
  };
}

/** Non-2xx answers by status, e.g. "503×12 429×3", or "0". */
export function describeNon2xx(byStatus: Record<string, number>): string {
  const parts = Object.entries(byStatus)
    .filter(([status, count]) => !status.startsWith('2') && count > 0)
    .map(([status, count]) => `${status}×${count}`);
  return parts.length > 0 ? parts.join(' ') : '0';
}

/**
 * A warm-up run, then a pause until the requests it left in flight have ended. autocannon closes its connections
 * when its time is up, but the gateway runs each abandoned request's job to its end: left running, those jobs
 * would take a slice of the next measurement — at 64 in flight about a second of the machine, 6–8 % of a 15 s
 * level, four times what they take at 16 — and bias the comparison of levels against the higher one.
 */
export async function warmUp(options: LoadOptions): Promise<LoadResult> {
  const result = await runLoad(options);
  await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, (result.p99 || 0) + 250)));
  return result;
}
