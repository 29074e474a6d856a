/**
 * Switchyard's benchmark suite: one durable Temporal dev server, the mock providers in this process, and the
 * real worker and API processes; every figure is also shown as a ratio to the floor (a bare workflow with
 * one no-op activity) measured in the same run.
 *
 *   npm run bench                        # every scenario, ~9 minutes
 *   BENCH_ONLY=floor,jobs npm run bench  # a subset
 *   BENCH_SCALE=0.5 npm run bench        # every duration halved, for a quick look
 *
 * Results: bench/results/<scenario>.json, bench/results/latest.json and bench/results/latest.md
 * (BENCH_RESULTS_DIR=<dir> writes them there instead).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, chatBody } from './lib/client';
import { startFloorRunner } from './lib/floor-run';
import { machineLine, stealMeter } from './lib/machine';
import {
  type BenchContext,
  type FloorReference,
  type Scenario,
  type ScenarioResult,
  type SummaryFigure,
} from './lib/scenario';
import { BENCH_ONLY, BENCH_SCALE } from './lib/settings';
import { startStack } from './lib/stack';
import { ratio, round } from './lib/stats';
import { markdownTable, renderTable, type Table } from './lib/table';
import { floorScenario } from './scenarios/a-floor';
import { jobsScenario } from './scenarios/b-jobs';
import { syncOverheadScenario } from './scenarios/c-sync-overhead';
import { asyncScenario } from './scenarios/d-async';
import { cacheHitsScenario } from './scenarios/e-cache-hits';
import { coalescingScenario } from './scenarios/f-coalescing';
import { goodputScenario } from './scenarios/g-goodput';
import { outageScenario } from './scenarios/h-outage';
import { memoryScenario } from './scenarios/i-memory';
import { embeddingsScenario } from './scenarios/j-embeddings';
import { streamingScenario } from './scenarios/k-streaming';
import { fleetScenario } from './scenarios/l-fleet';

const SCENARIOS: Scenario[] = [
  floorScenario,
  jobsScenario,
  syncOverheadScenario,
  asyncScenario,
  cacheHitsScenario,
  coalescingScenario,
  goodputScenario,
  outageScenario,
  memoryScenario,
  embeddingsScenario,
  streamingScenario,
  fleetScenario,
];

/** Where results go: bench/results, or BENCH_RESULTS_DIR (e.g. a scratch directory for trial runs). */
const RESULTS_DIR = process.env.BENCH_RESULTS_DIR || join(__dirname, 'results');

function floorRatio(figure: SummaryFigure, floor: FloorReference | undefined): number {
  switch (figure.vsFloor) {
    case 'throughput':
      return round(ratio(figure.value, floor?.workflowsPerSecond), 2);
    case 'p50':
      return round(ratio(figure.value, floor?.p50Ms), 2);
    case 'p99':
      return round(ratio(figure.value, floor?.p99Ms), 2);
    case 'none':
      return NaN;
  }
}

function summaryTable(
  results: ScenarioResult[],
  failures: Map<string, string>,
  floor: FloorReference | undefined,
): Table {
  const rows = results.flatMap((result) =>
    result.summary.map((figure) => [
      result.id,
      figure.label,
      figure.value,
      figure.unit,
      floorRatio(figure, floor),
      figure.note ?? '',
    ]),
  );
  for (const [id, message] of failures) rows.push([id, 'FAILED', NaN, '', NaN, message.split('\n')[0] ?? '']);
  return { columns: ['scenario', 'figure', 'value', 'unit', '÷ floor', 'note'], rows };
}

function writeJson(name: string, value: unknown): void {
  writeFileSync(join(RESULTS_DIR, name), `${JSON.stringify(value, null, 2)}\n`);
}

async function main(): Promise<void> {
  const selected = SCENARIOS.filter((scenario) => BENCH_ONLY === undefined || BENCH_ONLY.has(scenario.id));
  const unknown = [...(BENCH_ONLY ?? [])].filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
  if (unknown.length > 0)
    throw new Error(
      `BENCH_ONLY names unknown scenarios: ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`,
    );
  mkdirSync(RESULTS_DIR, { recursive: true });
  const started = performance.now();
  const runStolen = stealMeter();
  const date = new Date();
  const machine = machineLine(date);
  console.log(`switchyard bench: ${selected.map((s) => s.id).join(', ')} (scale ${BENCH_SCALE})\n${machine}\n`);

  const stack = await startStack();
  // Ctrl-C stops the dev server and the processes the suite started instead of leaving them behind.
  const interrupted = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the stack`);
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const context: BenchContext = {};
  const results: ScenarioResult[] = [];
  const failures = new Map<string, string>();
  try {
    context.durableFloor = await startFloorRunner(stack.temporal.address, stack.pids.server);
    // The first jobs load bundles, open connections and warm the JIT; none of that is what a scenario measures.
    for (let i = 0; i < 20; i++)
      await call(stack.apiUrl, stack.apiKey, 'POST', '/v1/chat/completions', chatBody(`warm-up ${i}`));
    for (const scenario of selected) {
      const scenarioStarted = performance.now();
      const stolen = stealMeter();
      console.log(`\n▶ ${scenario.id}`);
      try {
        const result = await scenario.run(stack, context);
        const seconds = round((performance.now() - scenarioStarted) / 1000);
        const stealPercent = stolen();
        results.push(result);
        const steal = stealPercent === null ? '' : `; CPU stolen by the host: ${stealPercent} %`;
        console.log(`${result.title}\nload: ${result.load} (${seconds} s${steal})\n${renderTable(result.table)}`);
        writeJson(`${result.id}.json`, { ...result, seconds, stealPercent, machine, scale: BENCH_SCALE });
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        failures.set(scenario.id, message);
        console.error(`${scenario.id} failed: ${message}`);
      }
    }
  } finally {
    await context.durableFloor?.stop();
    await stack.stop();
  }

  const wallSeconds = round((performance.now() - started) / 1000);
  const stealPercent = runStolen();
  const wall = `${wallSeconds} s wall time${stealPercent === null ? '' : `, ${stealPercent} % of the CPU time stolen by the host`}`;
  const summary = summaryTable(results, failures, context.floor);
  console.log(
    `\n■ summary (${wall}; ÷ floor = throughput ÷ floor workflows/s, latency ÷ floor p50/p99)\n${renderTable(summary)}\n${machine}`,
  );
  writeJson('latest.json', {
    machine,
    date: date.toISOString(),
    scale: BENCH_SCALE,
    wallSeconds,
    stealPercent,
    floor: context.floor ?? null,
    summary: summary.rows.map((row) =>
      Object.fromEntries(summary.columns.map((column, i) => [column, row[i] ?? null])),
    ),
    failures: Object.fromEntries(failures),
  });
  writeFileSync(
    join(RESULTS_DIR, 'latest.md'),
    [
      '# Switchyard benchmark',
      '',
      `${machine}; scale ${BENCH_SCALE}; ${wall}.`,
      '',
      '"÷ floor": a throughput divided by the floor\'s workflows/s, a latency by the floor\'s p50 or p99 (same run, same durable server).',
      '',
      markdownTable(summary),
      '',
    ].join('\n'),
  );
  if (failures.size > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
