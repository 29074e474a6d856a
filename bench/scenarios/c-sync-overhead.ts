import { call, chatBody } from '../lib/client';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { ratio, round, summarize, type LatencySummary } from '../lib/stats';

const REQUESTS = 200;
const WARM_UP = 20;
/** Turns Switchyard's requests and the floor's sequential runs take, so both see the same machine. */
const TURNS = 10;

async function timeSequential(
  count: number,
  send: (i: number) => Promise<number>,
): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const status = await send(i);
    latencies.push(performance.now() - started);
    if (status !== 200) failed++;
  }
  return { latencies, failed };
}

/**
 * (c) What Switchyard adds to one call: the same chat request sent one at a time straight to the mock
 * and through Switchyard (a durable job per request).
 */
export const syncOverheadScenario: Scenario = {
  id: 'sync',
  async run(stack, context): Promise<ScenarioResult> {
    const run = Date.now();
    const direct = (i: number) =>
      call(
        stack.mock.url,
        'sk-mock-openai',
        'POST',
        '/openai/v1/chat/completions',
        chatBody(`direct ${run} ${i}`),
      ).then((a) => a.status);
    const through = (i: number) =>
      call(stack.apiUrl, stack.apiKey, 'POST', '/v1/chat/completions', chatBody(`sync ${run} ${i}`)).then(
        (a) => a.status,
      );
    await timeSequential(WARM_UP, (i) => direct(i + 1e6));
    await timeSequential(WARM_UP, (i) => through(i + 1e6));
    const mock = await timeSequential(REQUESTS, direct);
    const switchyard: { latencies: number[]; failed: number } = { latencies: [], failed: 0 };
    const floorLatencies: number[] = [];
    const perTurn = REQUESTS / TURNS;
    for (let turn = 0; turn < TURNS; turn++) {
      const own = await timeSequential(perTurn, (i) => through(turn * perTurn + i));
      switchyard.latencies.push(...own.latencies);
      switchyard.failed += own.failed;
      if (context.durableFloor) floorLatencies.push(...(await context.durableFloor.sequential(perTurn)));
    }
    const floorBeside = floorLatencies.length > 0 ? summarize(floorLatencies) : undefined;
    const mockLatency: LatencySummary = summarize(mock.latencies);
    const switchyardLatency: LatencySummary = summarize(switchyard.latencies);
    context.healthySync = switchyardLatency;
    const added = {
      p50: round(switchyardLatency.p50 - mockLatency.p50),
      p99: round(switchyardLatency.p99 - mockLatency.p99),
    };
    return {
      id: 'sync',
      title: 'sync overhead: one request at a time, direct to the mock vs through Switchyard',
      load: `concurrency 1, ${WARM_UP} warm-up + ${REQUESTS} requests each; Switchyard and the floor take ${TURNS} turns`,
      table: {
        columns: ['path', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-200'],
        rows: [
          ['mock direct', mockLatency.p50, mockLatency.p90, mockLatency.p99, mockLatency.max, mock.failed],
          [
            'through Switchyard',
            switchyardLatency.p50,
            switchyardLatency.p90,
            switchyardLatency.p99,
            switchyardLatency.max,
            switchyard.failed,
          ],
          ['Switchyard adds', added.p50, NaN, added.p99, NaN, ''],
          [
            'floor, taking turns',
            floorBeside?.p50 ?? NaN,
            floorBeside?.p90 ?? NaN,
            floorBeside?.p99 ?? NaN,
            floorBeside?.max ?? NaN,
            '',
          ],
        ],
      },
      summary: [
        { label: 'sync job p50 (concurrency 1)', value: switchyardLatency.p50, unit: 'ms', vsFloor: 'p50' },
        { label: 'sync job p99 (concurrency 1)', value: switchyardLatency.p99, unit: 'ms', vsFloor: 'p99' },
        { label: 'Switchyard adds at p50', value: added.p50, unit: 'ms', vsFloor: 'none' },
        {
          label: 'sync p50 ÷ floor p50 beside it',
          value: round(ratio(switchyardLatency.p50, floorBeside?.p50), 2),
          unit: '×',
          vsFloor: 'none',
          note: `p99: ${round(ratio(switchyardLatency.p99, floorBeside?.p99), 2)}; ${TURNS} turns of ${perTurn} jobs and ${perTurn} floor workflows`,
        },
      ],
      data: {
        mock: mockLatency,
        switchyard: switchyardLatency,
        added,
        non200: { mock: mock.failed, switchyard: switchyard.failed },
        p50OverFloor: round(ratio(switchyardLatency.p50, context.floor?.p50Ms), 3),
        p99OverFloor: round(ratio(switchyardLatency.p99, context.floor?.p99Ms), 3),
        floorBeside: floorBeside ?? null,
        p50OverFloorBeside: round(ratio(switchyardLatency.p50, floorBeside?.p50), 3),
        p99OverFloorBeside: round(ratio(switchyardLatency.p99, floorBeside?.p99), 3),
      },
    };
  },
};
