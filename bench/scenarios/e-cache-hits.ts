import { call, chatBody } from '../lib/client';
import { loadCells, runLoad, type LoadResult } from '../lib/load';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { scaled } from '../lib/settings';
import { round } from '../lib/stats';

/**
 * (e) Cache hits: one cacheable request (temperature 0) is paid for once, then the identical request is
 * answered from the cache at 1 and at 64 in flight.
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
    const levels: (LoadResult & { inFlight: number })[] = [];
    for (const inFlight of [1, 64]) {
      const load = await runLoad({
        url: `${stack.apiUrl}/v1/chat/completions`,
        apiKey: stack.apiKey,
        connections: inFlight,
        durationSeconds: seconds,
        body: { same: body },
      });
      levels.push({ inFlight, ...load, okPerSecond: round(load.okPerSecond) });
    }
    const providerCalls = (stack.mock.stats().byEndpoint['openai.chat'] ?? 0) - callsBefore;
    const best = Math.max(...levels.map((level) => level.okPerSecond));
    return {
      id: 'cache',
      title: 'cache hits: the identical temperature-0 request after one paid call',
      load: `1 and 64 in flight, ${seconds} s each; second request's x-switchyard-cache: ${cacheHeader}`,
      table: {
        columns: ['in flight', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
        rows: levels.map((level) => loadCells(level.inFlight, level)),
      },
      summary: [
        {
          label: 'cache hits/s (best)',
          value: best,
          unit: 'req/s',
          vsFloor: 'throughput',
          note: `header ${cacheHeader}, ${providerCalls} provider calls`,
        },
        { label: 'cache hit p50 (1 in flight)', value: levels[0]?.p50 ?? NaN, unit: 'ms', vsFloor: 'p50' },
      ],
      data: { cacheHeader, providerCallsDuringLoad: providerCalls, levels },
    };
  },
};
