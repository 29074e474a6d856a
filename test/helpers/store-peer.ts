import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  createBudgetLedger,
  createResponseCache,
  type ReserveOutcome,
  type SpendCaps,
  type StoreUrl,
} from '../../src/stores';

/**
 * A store client in another process, to show that the stores hold across processes. The test starts
 * peers with `startPeer`; each opens its store, says it is ready, waits for `go()` (so several peers
 * start their work at the same moment) and reports one JSON result.
 */
export type PeerCommand =
  | {
      op: 'reserve-burst';
      url: StoreUrl;
      tenantId: string;
      jobPrefix: string;
      count: number;
      amountUsd: number;
      caps: SpendCaps;
      now: number;
    }
  | { op: 'cache-set'; url: StoreUrl; key: string; value: unknown; ttlSeconds: number; staleSeconds: number }
  | { op: 'cache-get'; url: StoreUrl; key: string };

export interface StorePeer {
  /** Resolves when the peer has opened its store. */
  ready: Promise<void>;
  /** Starts the peer's work at `startAt` (epoch ms; default now), so peers told together start together. */
  go(startAt?: number): void;
  /** The peer's JSON result; rejects when the process fails. */
  result: Promise<unknown>;
}

const REPO = resolve(__dirname, '../..');

export function startPeer(command: PeerCommand): StorePeer {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, JSON.stringify(command)], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  // 'close' comes after stdout has been read to the end, so the result line is never missed. Rejecting a
  // promise that already resolved does nothing.
  const failure = new Promise<Error>((done) =>
    child.once('close', (code) => done(new Error(`store peer ${command.op} exited with ${code}:\n${stderr}`))),
  );
  const ready = new Promise<void>((done, fail) => {
    lines.on('line', (line) => line === 'ready' && done());
    void failure.then(fail);
  });
  const result = new Promise<unknown>((done, fail) => {
    lines.on('line', (line) => line !== 'ready' && done(JSON.parse(line)));
    void failure.then(fail);
  });
  // Either may go unobserved when the other one fails first.
  ready.catch(() => undefined);
  result.catch(() => undefined);
  return {
    ready,
    result,
    go: (startAt = Date.now()) => {
      child.stdin.end(`go ${startAt}\n`);
    },
  };
}

async function run(command: PeerCommand): Promise<unknown> {
  const waitForGo = async () => {
    process.stdout.write('ready\n');
    let startAt = 0;
    for await (const line of createInterface({ input: process.stdin })) {
      const [word, at] = line.split(' ');
      if (word !== 'go') continue;
      startAt = Number(at);
      break;
    }
    if (startAt - Date.now() > 20) await new Promise((r) => setTimeout(r, startAt - Date.now() - 20));
    // The last milliseconds are waited out exactly, since timers are only as precise as the event loop.
    while (Date.now() < startAt);
  };
  switch (command.op) {
    case 'reserve-burst': {
      const ledger = await createBudgetLedger(command.url);
      try {
        await waitForGo();
        // One reserve per turn of the event loop, as separate requests would arrive: the other process gets
        // its chances in between, instead of this one taking every write lock in a row.
        const pending: Array<Promise<ReserveOutcome>> = [];
        for (let i = 0; i < command.count; i++) {
          pending.push(
            ledger.reserve({
              jobId: `${command.jobPrefix}-${i}`,
              tenantId: command.tenantId,
              amountUsd: command.amountUsd,
              caps: command.caps,
              now: command.now,
            }),
          );
          await new Promise((r) => setImmediate(r));
        }
        const outcomes = await Promise.all(pending);
        return { ok: outcomes.filter((o) => o.ok).length, refused: outcomes.filter((o) => !o.ok).length };
      } finally {
        await ledger.close();
      }
    }
    case 'cache-set':
    case 'cache-get': {
      const cache = await createResponseCache<unknown>(command.url);
      try {
        await waitForGo();
        if (command.op === 'cache-get') return { lookup: await cache.get(command.key) };
        await cache.set(command.key, command.value, command.ttlSeconds, command.staleSeconds);
        return { stored: true };
      } finally {
        await cache.close();
      }
    }
  }
}

if (require.main === module) {
  run(JSON.parse(process.argv[2] ?? '') as PeerCommand)
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
