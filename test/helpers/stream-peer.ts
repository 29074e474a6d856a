import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { StoreUrl } from '../../src/contract/store-url';
import type { StreamEntry, StreamReadOptions, StreamSettings } from '../../src/stores/streams/contract';
import { createStreamStore } from '../../src/stores/streams/open';

/**
 * A stream store in another process, to show that entries cross processes: a SQLite file has one connection per
 * process, so a second store in the test's own process would share it (and its in-process wake-ups) instead.
 * Requests go as JSON lines on stdin, answers come back on stdout; several may be in flight.
 */
export interface StreamPeer {
  readonly pid: number;
  append(streamId: string, data: readonly string[]): Promise<string[]>;
  read(streamId: string, after: string | null, options: StreamReadOptions): Promise<StreamEntry[]>;
  /** Appends `count` entries `${prefix}${i}` one at a time, `gapMs` apart; resolves with their ids. */
  trickle(streamId: string, prefix: string, count: number, gapMs: number): Promise<string[]>;
  /** Closes the peer's store and waits for its process to exit. */
  stop(): Promise<void>;
}

type Request =
  | { op: 'append'; streamId: string; data: string[] }
  | { op: 'read'; streamId: string; after: string | null; options: StreamReadOptions }
  | { op: 'trickle'; streamId: string; prefix: string; count: number; gapMs: number };

type Answer = { seq: number; ok: true; value: unknown } | { seq: number; ok: false; error: string };

const REPO = resolve(__dirname, '../..');

export async function startStreamPeer(url: StoreUrl, settings: StreamSettings = {}): Promise<StreamPeer> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, JSON.stringify({ url, settings })], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  let ready: () => void = () => undefined;
  const opened = new Promise<void>((done, fail) => {
    ready = done;
    void exited.then(() => fail(new Error(`stream peer exited before it was ready:\n${stderr}`)));
  });
  void exited.then(() => {
    for (const waiting of pending.values()) waiting.reject(new Error(`stream peer exited:\n${stderr}`));
    pending.clear();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') return ready();
    const answer = JSON.parse(line) as Answer;
    const waiting = pending.get(answer.seq);
    pending.delete(answer.seq);
    if (answer.ok) waiting?.resolve(answer.value);
    else waiting?.reject(new Error(answer.error));
  });
  await opened;
  let next = 0;
  const send = <T>(request: Request): Promise<T> =>
    new Promise<T>((done, fail) => {
      const seq = next++;
      pending.set(seq, { resolve: (value) => done(value as T), reject: fail });
      child.stdin.write(`${JSON.stringify({ seq, ...request })}\n`);
    });
  return {
    pid: child.pid ?? -1,
    append: (streamId, data) => send({ op: 'append', streamId, data: [...data] }),
    read: (streamId, after, options) => send({ op: 'read', streamId, after, options }),
    trickle: (streamId, prefix, count, gapMs) => send({ op: 'trickle', streamId, prefix, count, gapMs }),
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

async function serve(url: StoreUrl, settings: StreamSettings): Promise<void> {
  const store = await createStreamStore(url, settings);
  const handle = async (request: Request): Promise<unknown> => {
    switch (request.op) {
      case 'append':
        return store.append(request.streamId, request.data);
      case 'read':
        return store.read(request.streamId, request.after, request.options);
      case 'trickle': {
        const ids: string[] = [];
        for (let i = 0; i < request.count; i++) {
          ids.push(...(await store.append(request.streamId, [`${request.prefix}${i}`])));
          await new Promise((r) => setTimeout(r, request.gapMs));
        }
        return ids;
      }
    }
  };
  const inFlight = new Set<Promise<void>>();
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const { seq, ...request } = JSON.parse(line) as Request & { seq: number };
    const done = handle(request).then(
      (value) => void process.stdout.write(`${JSON.stringify({ seq, ok: true, value })}\n`),
      (err: unknown) => void process.stdout.write(`${JSON.stringify({ seq, ok: false, error: String(err) })}\n`),
    );
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  }
  await Promise.all(inFlight);
  await store.close();
}

if (require.main === module) {
  const { url, settings } = JSON.parse(process.argv[2] ?? '') as { url: StoreUrl; settings: StreamSettings };
  serve(url, settings).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
