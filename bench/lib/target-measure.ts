/** The jobs and sync measurements of the fleet scenario, on any {@link BenchTarget}. */
import { serverCpu, sumCpu, type BenchTarget } from './bench-target';
import { call, chatBody } from './client';
import { runLoad, warmUp, type LoadResult } from './load';
import { cpuMeterOf, type CpuSource } from './proc';
import { round, summarize, type LatencySummary } from './stats';

/** Durable jobs at one level in flight on one target, with the CPU they cost per job. */
export interface TargetJobsLevel extends LoadResult {
  inFlight: number;
  /** Temporal, plus PostgreSQL where there is one. */
  serverCpuMsPerJob: number;
  /** PostgreSQL alone; NaN without it. */
  postgresCpuMsPerJob: number;
  /** Every API and worker process together. */
  nodeCpuMsPerJob: number;
  /** The API processes together. */
  apiCpuMsPerJob: number;
  /** The worker processes together. */
  workerCpuMsPerJob: number;
  /** Redis; NaN without it. */
  redisCpuMsPerJob: number;
  /** Each API and worker process on its own. */
  processCpuMsPerJob: Record<string, number>;
}

/**
 * Synchronous chat completions (unique prompts, mock at 0 ms) at `inFlight` for `seconds` after a warm-up,
 * the connections spread over the target's APIs in turn.
 */
export async function measureJobs(
  target: BenchTarget,
  inFlight: number,
  timing: { warmUpSeconds: number; seconds: number },
): Promise<TargetJobsLevel> {
  const url = target.apiUrls.map((api) => `${api}/v1/chat/completions`);
  const run = `${Date.now()}-${target.name}-${inFlight}`;
  const body = (n: number) => chatBody(`fleet bench ${run} request ${n}`);
  await warmUp({ url, apiKey: target.apiKey, connections: inFlight, durationSeconds: timing.warmUpSeconds, body });
  const { cpu } = target;
  const missing: CpuSource = () => NaN;
  const named = (kind: string) =>
    sumCpu(Object.entries(cpu.node).flatMap(([name, read]) => (name.startsWith(kind) ? [read] : [])));
  const meter = cpuMeterOf({
    server: serverCpu(cpu),
    postgres: cpu.postgres ?? missing,
    redis: cpu.redis ?? missing,
    node: sumCpu(Object.values(cpu.node)),
    apis: named('api'),
    workers: named('worker'),
    ...cpu.node,
  });
  const load = await runLoad({
    url,
    apiKey: target.apiKey,
    connections: inFlight,
    durationSeconds: timing.seconds,
    body: (n) => body(n + 1e6),
  });
  const used = meter();
  const perJob = (ms: number | undefined) => round((ms ?? NaN) / load.ok, 2);
  return {
    inFlight,
    ...load,
    // No answer within the level at all: its latency is beyond the level's duration, not zero.
    p50: load.ok > 0 ? load.p50 : NaN,
    p99: load.ok > 0 ? load.p99 : NaN,
    okPerSecond: round(load.okPerSecond),
    serverCpuMsPerJob: perJob(used.server),
    postgresCpuMsPerJob: perJob(used.postgres),
    redisCpuMsPerJob: perJob(used.redis),
    nodeCpuMsPerJob: perJob(used.node),
    apiCpuMsPerJob: perJob(used.apis),
    workerCpuMsPerJob: perJob(used.workers),
    processCpuMsPerJob: Object.fromEntries(Object.keys(cpu.node).map((name) => [name, perJob(used[name])])),
  };
}

/** Sequential jobs on one target and its floor's sequential workflows, taken in the same turns. */
export interface TargetSync {
  sync: LatencySummary;
  /** Answers other than 200. */
  failed: number;
  floor: LatencySummary;
}

const SYNC_WARM_UP = 20;

/**
 * One request at a time through each target (request i to API i mod n), `turns` times `requests / turns`,
 * each turn followed by as many floor workflows on the same target, the targets taking turns too.
 */
export async function measureSync(targets: readonly BenchTarget[], requests: number, turns: number) {
  const run = Date.now();
  const send = async (target: BenchTarget, i: number) => {
    const api = target.apiUrls[i % target.apiUrls.length] ?? '';
    const started = performance.now();
    const answer = await call(
      api,
      target.apiKey,
      'POST',
      '/v1/chat/completions',
      chatBody(`sync ${run} ${target.name} ${i}`),
    );
    return { ms: performance.now() - started, ok: answer.status === 200 };
  };
  for (const target of targets) for (let i = 0; i < SYNC_WARM_UP; i++) await send(target, i + 1e6);
  const seen = targets.map(() => ({ sync: [] as number[], failed: 0, floor: [] as number[] }));
  const perTurn = Math.ceil(requests / turns);
  for (let turn = 0; turn < turns; turn++) {
    for (const [t, target] of targets.entries()) {
      const own = seen[t];
      if (own === undefined) continue;
      for (let i = 0; i < perTurn; i++) {
        const answer = await send(target, turn * perTurn + i);
        own.sync.push(answer.ms);
        if (!answer.ok) own.failed++;
      }
      own.floor.push(...(await target.floor.sequential(perTurn)));
    }
  }
  return seen.map((own): TargetSync => ({
    sync: summarize(own.sync),
    failed: own.failed,
    floor: summarize(own.floor),
  }));
}
