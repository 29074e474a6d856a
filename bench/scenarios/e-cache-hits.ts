import { startBareHttpServer, type FixedAnswer } from '../lib/bare-http';
import { call, chatBody, type JsonAnswer } from '../lib/client';
import { loadCells, runLoad, type LoadResult } from '../lib/load';
import { cpuMs } from '../lib/proc';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { scaled } from '../lib/settings';
import { ratio, round } from '../lib/stats';

/** A measured level: who answered, at how many in flight, and the CPU the answering process spent per request. */
interface CacheLevel extends LoadResult {
  answeredBy: 'Switchyard' | 'bare node:http';
  inFlight: number;
  cpuMicrosPerRequest: number;
}

/** The cache hit's body and the headers Switchyard sent with it, for the bare server to send alike. */
function fixedAnswerOf(hit: JsonAnswer): FixedAnswer {
  const headers: Record<string, string> = {};
  for (const [name, value] of hit.headers)
    if (name.startsWith('x-switchyard-') || name === 'content-type') headers[name] = value;
  return { body: JSON.stringify(hit.body), headers };
}

/**
 * (e) Cache hits: one cacheable request (temperature 0) is paid for once, then the identical request is
 * answered from the cache at 1 and at 64 in flight. Beside them, the same load against a bare `node:http`
 * server in its own process that answers with the same bytes: the most any Node service could reach on this
 * machine with this load generator, and so what the figures at 64 in flight are read against.
 */
export const cacheHitsScenario: Scenario = {
  id: 'cache',
  async run(stack): Promise<ScenarioResult> {
    const body = chatBody(`cached question ${Date.now()}`, 'gpt-4o-mini', { temperature: 0 });
    const primed = await call(stack.apiUrl, stack.apiKey, 'POST', '/v1/chat/completions', body);
    if (primed.status !== 200) throw new Error(`priming the cache answered ${primed.status}`);
    const repeat = await call(stack.apiUrl, stack.apiKey, 'POST', '/v1/chat/completions', body);
    const cacheHeader = repeat.headers.get('x-switchyard-cache') ?? '(none)';
    const callsBefore = stack.mock.stats().byEndpoint['openai.chat'] ?? 0;
    const seconds = scaled(10, 2);
    const bare = await startBareHttpServer(fixedAnswerOf(repeat));
    const levels: CacheLevel[] = [];
    try {
      const targets = [
        { answeredBy: 'Switchyard', url: stack.apiUrl, pid: stack.pids.api, inFlight: 1 },
        { answeredBy: 'Switchyard', url: stack.apiUrl, pid: stack.pids.api, inFlight: 64 },
        { answeredBy: 'bare node:http', url: bare.url, pid: bare.pid, inFlight: 64 },
      ] as const;
      for (const { answeredBy, url, pid, inFlight } of targets) {
        const cpuBefore = cpuMs(pid);
        const load = await runLoad({
          url: `${url}/v1/chat/completions`,
          apiKey: stack.apiKey,
          connections: inFlight,
          durationSeconds: seconds,
          body: { same: body },
        });
        const cpuMicrosPerRequest = round(((cpuMs(pid) - cpuBefore) * 1000) / load.responses);
        levels.push({ answeredBy, inFlight, ...load, okPerSecond: round(load.okPerSecond), cpuMicrosPerRequest });
      }
    } finally {
      await bare.stop();
    }
    const providerCalls = (stack.mock.stats().byEndpoint['openai.chat'] ?? 0) - callsBefore;
    const own = levels.filter((level) => level.answeredBy === 'Switchyard');
    const best = Math.max(...own.map((level) => level.okPerSecond));
    const at64 = own.find((level) => level.inFlight === 64);
    const bareAt64 = levels.find((level) => level.answeredBy === 'bare node:http');
    const bareNote = bareAt64
      ? `bare node:http, same answer: ${bareAt64.okPerSecond} req/s, p99 ${bareAt64.p99} ms`
      : 'bare node:http not run';
    return {
      id: 'cache',
      title: 'cache hits: the identical temperature-0 request after one paid call, and a bare node:http server',
      load: `1 and 64 in flight, ${seconds} s each; second request's x-switchyard-cache: ${cacheHeader}; then 64 in flight for ${seconds} s against a bare node:http server sending the same answer`,
      table: {
        columns: ['answered by', 'in flight', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'CPU µs/request'],
        rows: levels.map((level) => [level.answeredBy, ...loadCells(level.inFlight, level), level.cpuMicrosPerRequest]),
      },
      summary: [
        {
          label: 'cache hits/s (best)',
          value: best,
          unit: 'req/s',
          vsFloor: 'throughput',
          note: `header ${cacheHeader}, ${providerCalls} provider calls`,
        },
        { label: 'cache hit p50 (1 in flight)', value: own[0]?.p50 ?? NaN, unit: 'ms', vsFloor: 'p50' },
        {
          label: 'cache hit p99 (64 in flight)',
          value: at64?.p99 ?? NaN,
          unit: 'ms',
          vsFloor: 'none',
          note: bareNote,
        },
        {
          label: 'cache hits/s at 64 ÷ bare node:http',
          value: round(ratio(at64?.okPerSecond, bareAt64?.okPerSecond), 2),
          unit: '×',
          vsFloor: 'none',
          note: `CPU per request: ${at64?.cpuMicrosPerRequest ?? NaN} µs, bare ${bareAt64?.cpuMicrosPerRequest ?? NaN} µs`,
        },
      ],
      data: { cacheHeader, providerCallsDuringLoad: providerCalls, levels },
    };
  },
};
