/**
 * The stream store between processes, on each backend: how long an entry takes from `append` in one process to
 * `read` returning it in another, and what waiting readers cost their process when nothing is appended.
 *
 *   npx tsx bench/stream-store-latency.ts
 *   STREAM_BENCH_ENTRIES=2000 STREAM_BENCH_GAP_MS=1 npx tsx bench/stream-store-latency.ts
 *
 * Latency: a writer process appends one entry every STREAM_BENCH_GAP_MS (default 3) and a reader process follows
 * the stream with waiting reads; the entry carries the writer's CLOCK_MONOTONIC time (`process.hrtime`, one clock
 * for every process of the machine), the reader subtracts it on return. Idle cost: a reader process runs 0, 1 or
 * 64 read loops on streams nobody writes, each read waiting 1 s as the API's relay does, and reports its own CPU
 * time (`process.cpuUsage`) per second of wall time. Redis is a throwaway redis-server, started as the tests do.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { StoreUrl } from '../src/contract/store-url';
import type { StreamSettings } from '../src/stores/streams/contract';
import { createStreamStore } from '../src/stores/streams/open';
import { startRedisServer } from '../test/helpers/redis-server';
import { machineLine } from './lib/machine';
import { round, summarize } from './lib/stats';
import { renderTable, type Table } from './lib/table';

const ENTRIES = Number(process.env.STREAM_BENCH_ENTRIES ?? 500);
const GAP_MS = Number(process.env.STREAM_BENCH_GAP_MS ?? 3);
/** Entries written before the measured ones and left out of the figures: module loading, JIT, first statements. */
const WARM_UP = 30;
/** How long each idle reader's read waits, as the API's SSE relay does. */
const IDLE_WAIT_MS = 1_000;
const IDLE_SETTLE_MS = 1_500;
const IDLE_MEASURE_MS = 5_000;
const IDLE_READERS = [0, 1, 64] as const;

/** What a role process is told on its command line. */
type Role =
  | { role: 'write'; url: StoreUrl; settings: StreamSettings; stream: string; count: number; gapMs: number }
  | { role: 'follow'; url: StoreUrl; settings: StreamSettings; stream: string; count: number }
  | { role: 'idle'; url: StoreUrl; settings: StreamSettings; readers: number; settleMs: number; measureMs: number };

interface Backend {
  name: string;
  url: StoreUrl;
  settings: StreamSettings;
}

// ---- the parent: starts the roles, gathers their figures, prints the table ----

async function main(): Promise<void> {
  console.log(`stream store latency: ${ENTRIES} entries, one every ${GAP_MS} ms\n${machineLine()}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-stream-bench-'));
  const redis = await startRedisServer();
  const sqlite: StoreUrl = { kind: 'sqlite', path: join(dir, 'streams.sqlite') };
  const backends: Backend[] = [
    { name: 'SQLite, poll 2 ms (default)', url: sqlite, settings: {} },
    { name: 'SQLite, poll 5 ms', url: sqlite, settings: { pollMs: 5 } },
    { name: 'Redis Streams', url: { kind: 'redis', url: redis.url }, settings: {} },
  ];
  const table: Table = {
    columns: [
      'backend',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      ...IDLE_READERS.map((n) => `CPU ms/s, ${n} reader${n === 1 ? '' : 's'}`),
    ],
    rows: [],
  };
  try {
    for (const backend of backends) {
      const latencies = await measureLatency(backend);
      const summary = summarize(latencies);
      const idle: number[] = [];
      for (const readers of IDLE_READERS) idle.push(await measureIdle(backend, readers));
      table.rows.push([backend.name, summary.p50, summary.p90, summary.p99, summary.max, ...idle]);
      console.log(`${backend.name}: done`);
    }
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${renderTable(table)}`);
}

async function measureLatency(backend: Backend): Promise<number[]> {
  const stream = `bench:${process.pid}:${Date.now()}:${backend.name}`;
  const count = WARM_UP + ENTRIES;
  const common = { url: backend.url, settings: backend.settings, stream, count };
  const reader = startRole({ role: 'follow', ...common });
  await reader.next('ready');
  const writer = startRole({ role: 'write', ...common, gapMs: GAP_MS });
  await writer.next('ready');
  writer.go();
  const latencies = JSON.parse(await reader.next()) as number[];
  await Promise.all([reader.exited, writer.exited]);
  return latencies.slice(WARM_UP);
}

async function measureIdle(backend: Backend, readers: number): Promise<number> {
  const idle = startRole({
    role: 'idle',
    url: backend.url,
    settings: backend.settings,
    readers,
    settleMs: IDLE_SETTLE_MS,
    measureMs: IDLE_MEASURE_MS,
  });
  const cpuMsPerSecond = Number(await idle.next());
  await idle.exited;
  return round(cpuMsPerSecond, 2);
}

interface RoleProcess {
  /** The next line the process prints; with `expected`, fails unless it is that line. */
  next(expected?: string): Promise<string>;
  /** Tells the process to start; its stdin ends there, so it can exit when done. */
  go(): void;
  exited: Promise<void>;
}

function startRole(role: Role): RoleProcess {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', __filename, JSON.stringify(role)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${role.role} exited with ${code}:\n${stderr}`)),
    ),
  );
  exited.catch(() => undefined);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async next(expected) {
      const line = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: '' }))]);
      if (line.done) throw new Error(`${role.role} printed nothing more:\n${stderr}`);
      const value = String(line.value);
      if (expected !== undefined && value !== expected) throw new Error(`${role.role} said "${value}"`);
      return value;
    },
    go: () => child.stdin.end('go\n'),
    exited,
  };
}

// ---- the roles, each in a process of its own ----

async function runRole(role: Role): Promise<void> {
  const store = await createStreamStore(role.url, role.settings);
  try {
    switch (role.role) {
      case 'write': {
        process.stdout.write('ready\n');
        for await (const line of createInterface({ input: process.stdin })) if (line === 'go') break;
        for (let i = 0; i < role.count; i++) {
          await store.append(role.stream, [String(process.hrtime.bigint())]);
          await new Promise((resolve) => setTimeout(resolve, role.gapMs));
        }
        return;
      }
      case 'follow': {
        const latencies: number[] = [];
        let after: string | null = null;
        process.stdout.write('ready\n');
        while (latencies.length < role.count) {
          const entries = await store.read(role.stream, after, { waitMs: 10_000, limit: 100 });
          const now = process.hrtime.bigint();
          if (entries.length === 0) throw new Error(`no entry for 10 s after ${latencies.length}`);
          for (const entry of entries) latencies.push(Number(now - BigInt(entry.data)) / 1e6);
          after = entries[entries.length - 1]!.id;
        }
        process.stdout.write(`${JSON.stringify(latencies)}\n`);
        return;
      }
      case 'idle': {
        const stop = new AbortController();
        const loops = Array.from({ length: role.readers }, async (_, i) => {
          const stream = `bench:idle:${process.pid}:${i}`;
          while (!stop.signal.aborted) await store.read(stream, null, { waitMs: IDLE_WAIT_MS, signal: stop.signal });
        });
        await new Promise((resolve) => setTimeout(resolve, role.settleMs));
        const before = process.cpuUsage();
        const started = performance.now();
        await new Promise((resolve) => setTimeout(resolve, role.measureMs));
        const used = process.cpuUsage(before);
        const seconds = (performance.now() - started) / 1000;
        stop.abort();
        await Promise.all(loops);
        process.stdout.write(`${(used.user + used.system) / 1000 / seconds}\n`);
        return;
      }
    }
  } finally {
    await store.close();
  }
}

if (process.argv[2] === undefined) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  runRole(JSON.parse(process.argv[2]) as Role).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
