import { Agent } from 'node:http';
import { completed, meanContentGap, streamChat, type StreamTarget, type StreamTiming } from '../lib/chat-stream';
import { chatBody, inParallel } from '../lib/client';
import { type Scenario, type ScenarioResult } from '../lib/scenario';
import { ratio, round, summarize, type LatencySummary } from '../lib/stats';
import { type Cell } from '../lib/table';

/** Streams per path one at a time: each lasts 100–150 ms at the chunk gap, so this keeps the scenario under a minute. */
const SEQUENTIAL = 120;
/** Streams per path with {@link IN_FLIGHT} at once. */
const CONCURRENT = 300;
const IN_FLIGHT = 64;
const WARM_UP = 10;
/** Turns the sequential streams through Switchyard, direct and the floor take, so all three see the same machine. */
const TURNS = 5;
/** The mock's pause between frames: long enough that a chunk's relay is seen apart from the next one's. */
const CHUNK_GAP_MS = 10;
/** ~20 words; the mock echoes the first 80 characters, so its answer streams in about seven content chunks. */
const PROMPT =
  'stream bench: please tell me about the weather on the coast this week and what to pack for a short trip';

/** A unique prompt per stream (so nothing is cached or coalesced), asking for usage as SDK clients do. */
function streamBody(label: string, i: number) {
  return chatBody(`${PROMPT} [[mock:chunk-gap=${CHUNK_GAP_MS}]] ${label}-${i}`, 'gpt-4o-mini', {
    stream: true,
    stream_options: { include_usage: true },
  });
}

/** The figures of one path at one level. */
interface PathFigures {
  streams: number;
  failed: number;
  /** Failed streams by reason. */
  failures: Record<string, number>;
  withoutUsage: number;
  ttft: LatencySummary;
  /** Per-stream mean gap between content chunks. */
  chunkGap: LatencySummary;
  duration: LatencySummary;
  /**
   * From the last content chunk to the end of the body: the finish, usage and `[DONE]` chunks, which Switchyard
   * sends once the job's result is back rather than as the provider sends them.
   */
  afterLastChunk: LatencySummary;
  contentChunksPerStream: number;
}

function figures(timings: readonly StreamTiming[]): PathFigures {
  const ok = timings.filter(completed);
  const failures: Record<string, number> = {};
  for (const timing of timings) {
    if (completed(timing)) continue;
    const reason = timing.failure ?? (timing.done ? 'no content' : 'ended without [DONE]');
    failures[reason] = (failures[reason] ?? 0) + 1;
  }
  const chunks = ok.reduce((sum, timing) => sum + timing.contentMs.length, 0);
  return {
    streams: timings.length,
    failed: timings.length - ok.length,
    failures,
    withoutUsage: ok.filter((timing) => !timing.usage).length,
    ttft: summarize(ok.map((timing) => timing.firstContentMs)),
    chunkGap: summarize(ok.map(meanContentGap).filter((gap) => Number.isFinite(gap))),
    duration: summarize(ok.map((timing) => timing.durationMs)),
    afterLastChunk: summarize(ok.map((timing) => timing.durationMs - (timing.contentMs.at(-1) ?? NaN))),
    contentChunksPerStream: round(chunks / Math.max(1, ok.length)),
  };
}

/** Through Switchyard minus direct, at p50 and p99. */
function added(through: LatencySummary, direct: LatencySummary) {
  return { p50: round(through.p50 - direct.p50), p99: round(through.p99 - direct.p99) };
}

/** One level: the same streams direct and through Switchyard, and what Switchyard adds. */
interface Level {
  inFlight: number;
  direct: PathFigures;
  through: PathFigures;
  addedTtft: { p50: number; p99: number };
  addedChunkGap: { p50: number; p99: number };
  addedDuration: { p50: number; p99: number };
}

function level(inFlight: number, direct: StreamTiming[], through: StreamTiming[]): Level {
  const d = figures(direct);
  const t = figures(through);
  return {
    inFlight,
    direct: d,
    through: t,
    addedTtft: added(t.ttft, d.ttft),
    addedChunkGap: added(t.chunkGap, d.chunkGap),
    addedDuration: added(t.duration, d.duration),
  };
}

function pathRow(inFlight: number, path: string, f: PathFigures): Cell[] {
  return [
    inFlight,
    path,
    f.streams,
    f.failed,
    f.ttft.p50,
    f.ttft.p99,
    f.chunkGap.p50,
    f.chunkGap.p99,
    f.duration.p50,
    f.duration.p99,
    f.contentChunksPerStream,
  ];
}

function levelRows(l: Level): Cell[][] {
  return [
    pathRow(l.inFlight, 'mock direct', l.direct),
    pathRow(l.inFlight, 'through Switchyard', l.through),
    [
      l.inFlight,
      'Switchyard adds',
      '',
      '',
      l.addedTtft.p50,
      l.addedTtft.p99,
      l.addedChunkGap.p50,
      l.addedChunkGap.p99,
      l.addedDuration.p50,
      l.addedDuration.p99,
      '',
    ],
  ];
}

/**
 * (k) What Switchyard adds to a streamed chat completion: the same streamed request sent straight to the mock's
 * OpenAI endpoint and through Switchyard (a durable job whose provider call streams, relayed chunk by chunk through
 * the stream store), one at a time and with 64 in flight. Time to first token counts from sending the request to
 * the first chunk with content; the per-chunk overhead is the difference of the per-stream mean gaps between content
 * chunks, whose floor is the mock's own gap.
 */
export const streamingScenario: Scenario = {
  id: 'streaming',
  async run(stack, context): Promise<ScenarioResult> {
    const run = Date.now();
    // One pool for both hosts: at 64 in flight every stream has its own kept-alive connection, as an SDK's would.
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const direct: StreamTarget = {
      url: `${stack.mock.url}/openai/v1/chat/completions`,
      apiKey: 'sk-mock-openai',
      agent,
    };
    const through: StreamTarget = { url: `${stack.apiUrl}/v1/chat/completions`, apiKey: stack.apiKey, agent };
    const send = (target: StreamTarget, label: string) => (i: number) =>
      streamChat(target, streamBody(`${label}-${run}`, i));

    try {
      // Warm both paths, and open the pool's connections, so neither level measures TCP handshakes or cold code.
      await inParallel(WARM_UP, 1, send(direct, 'warm-direct'));
      await inParallel(WARM_UP, 1, send(through, 'warm-through'));

      const sequential = { direct: [] as StreamTiming[], through: [] as StreamTiming[] };
      const floorLatencies: number[] = [];
      const perTurn = SEQUENTIAL / TURNS;
      for (let turn = 0; turn < TURNS; turn++) {
        const offset = turn * perTurn;
        sequential.direct.push(...(await inParallel(perTurn, 1, (i) => send(direct, 'direct-1')(offset + i))));
        sequential.through.push(...(await inParallel(perTurn, 1, (i) => send(through, 'through-1')(offset + i))));
        if (context.durableFloor) floorLatencies.push(...(await context.durableFloor.sequential(perTurn)));
      }

      await inParallel(IN_FLIGHT, IN_FLIGHT, send(direct, 'warm-direct-64'));
      await inParallel(IN_FLIGHT, IN_FLIGHT, send(through, 'warm-through-64'));
      const concurrentDirect = await inParallel(CONCURRENT, IN_FLIGHT, send(direct, 'direct-64'));
      const concurrentThrough = await inParallel(CONCURRENT, IN_FLIGHT, send(through, 'through-64'));

      const one = level(1, sequential.direct, sequential.through);
      const many = level(IN_FLIGHT, concurrentDirect, concurrentThrough);
      const floorBeside = floorLatencies.length > 0 ? summarize(floorLatencies) : undefined;
      const failed = [one.direct, one.through, many.direct, many.through].reduce((sum, f) => sum + f.failed, 0);
      const total = 2 * (SEQUENTIAL + CONCURRENT);
      return {
        id: 'streaming',
        title: 'streaming: stream: true direct to the mock vs through Switchyard (TTFT, gaps between content chunks)',
        load: `${SEQUENTIAL} streams per path one at a time (${TURNS} turns with the floor), then ${CONCURRENT} per path with ${IN_FLIGHT} in flight over keep-alive connections; ${WARM_UP} + ${IN_FLIGHT} warm-up each; mock chunk gap ${CHUNK_GAP_MS} ms`,
        table: {
          columns: [
            'in flight',
            'path',
            'streams',
            'failed',
            'TTFT p50 ms',
            'TTFT p99 ms',
            'chunk gap p50 ms',
            'chunk gap p99 ms',
            'stream p50 ms',
            'stream p99 ms',
            'chunks/stream',
          ],
          rows: [
            ...levelRows(one),
            [1, 'floor, taking turns', floorBeside?.count ?? 0, '', floorBeside?.p50 ?? NaN, floorBeside?.p99 ?? NaN],
            ...levelRows(many),
          ],
        },
        summary: [
          {
            label: 'streaming TTFT p50 (concurrency 1)',
            value: one.through.ttft.p50,
            unit: 'ms',
            vsFloor: 'p50',
            note: `direct ${one.direct.ttft.p50} ms; p99 ${one.through.ttft.p99} ms`,
          },
          {
            label: 'streaming: Switchyard adds to TTFT at p50 (concurrency 1)',
            value: one.addedTtft.p50,
            unit: 'ms',
            vsFloor: 'p50',
            note: `÷ floor p50 beside it: ${round(ratio(one.addedTtft.p50, floorBeside?.p50), 2)}; p99 +${one.addedTtft.p99} ms`,
          },
          {
            label: `streaming: Switchyard adds to TTFT at p50 (${IN_FLIGHT} in flight)`,
            value: many.addedTtft.p50,
            unit: 'ms',
            vsFloor: 'p50',
            note: `p99 +${many.addedTtft.p99} ms`,
          },
          {
            label: 'streaming: per-chunk overhead at p50 (concurrency 1)',
            value: one.addedChunkGap.p50,
            unit: 'ms',
            vsFloor: 'none',
            note: `p99 ${one.addedChunkGap.p99} ms; ${IN_FLIGHT} in flight: p50 ${many.addedChunkGap.p50}, p99 ${many.addedChunkGap.p99} ms; mock gap ${CHUNK_GAP_MS} ms`,
          },
          {
            label: 'streaming: failed or unfinished streams',
            value: failed,
            unit: 'streams',
            vsFloor: 'none',
            note: `of ${total}; must be 0`,
          },
        ],
        data: {
          sequential: SEQUENTIAL,
          concurrent: CONCURRENT,
          inFlight: IN_FLIGHT,
          chunkGapMs: CHUNK_GAP_MS,
          levels: [one, many],
          floorBeside: floorBeside ?? null,
          addedTtftP50OverFloorBeside: round(ratio(one.addedTtft.p50, floorBeside?.p50), 3),
          addedTtftP50OverFloor: round(ratio(one.addedTtft.p50, context.floor?.p50Ms), 3),
          failed,
        },
      };
    } finally {
      agent.destroy();
    }
  },
};
