/**
 * Records the histories the replay test checks new workflow code against: one job (and flight) per branch of
 * the workflows, run on a dev server with today's code, written as JSON to `test/histories/<release>/`.
 *
 * Run it from a checkout of the release being recorded, before changing workflow code:
 *   npx tsx test/histories/record-histories.ts <release>
 * Every later build replays these files in `npm test`, so a change that would break jobs still running on the
 * release fails the build instead of failing in production.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { temporal } from '@temporalio/proto';
import { jobsTaskQueue } from '../../src/contract/task-queues';
import { startDevServer } from '../helpers/dev-server';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

const release = process.argv[2];
if (!release || !/^[\w.-]+$/.test(release)) {
  console.error('usage: npx tsx test/histories/record-histories.ts <release>   (e.g. 0.1.0)');
  process.exit(2);
}
const outDir = resolve(__dirname, release);

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Submits a job, optionally acts on it while it runs, and waits for it to end; returns its id. */
async function job(
  harness: Harness,
  key: string,
  body: Record<string, unknown>,
  during?: (id: string) => Promise<void>,
): Promise<string> {
  const url = harness.api!.url;
  const submitted = await api(url, 'POST', '/v1/jobs', { key, body });
  if (submitted.status !== 202) throw new Error(`submit failed: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  const id = submitted.body.id as string;
  if (during) await during(id);
  await api(url, 'GET', `/v1/jobs/${id}?wait=30`, { key });
  return id;
}

/** Polls a batch until it has ended. */
async function waitForBatch(url: string, key: string, id: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const view = await api(url, 'GET', `/v1/batches/${id}`, { key });
    if (['completed', 'failed', 'cancelled', 'expired'].includes(view.body.status as string)) return;
    if (Date.now() > deadline) throw new Error(`batch ${id} did not end`);
    await wait(200);
  }
}

async function main(): Promise<void> {
  const server = await startDevServer();
  process.env.TEMPORAL_ADDRESS = server.address;
  const harness = await startHarness({
    api: true,
    mock: { batchCompletionMs: 500 },
    config: {
      batchJobs: { pollInitialSeconds: 0.2, pollMaxSeconds: 1 },
      tenants: {
        acme: tenant('acme', { budget: { dailyUsd: 5 } }),
        broke: tenant('broke', { budget: { dailyUsd: 0.000001, onExceeded: 'reject' } }),
        thrifty: tenant('thrifty', {
          budget: { dailyUsd: 0.000001, onExceeded: 'downgrade', downgradeRoute: 'free' },
        }),
        frugal: tenant('frugal', { budget: { dailyUsd: 0.000001, onExceeded: 'cache-only' } }),
      },
      models: { 'free-model': { provider: 'openai', model: 'free-model', inputUsdPerMTok: 0, outputUsdPerMTok: 0 } },
      routes: {
        guarded: {
          targets: ['gpt-4o-mini', 'gemini-2.5-flash'],
          fallback: { message: 'Busy.', onExhausted: 'degrade' },
        },
        free: { targets: ['free-model'] },
        once: { targets: [{ target: 'gpt-4o-mini', maxAttempts: 1 }] },
      },
    },
  });
  const url = harness.api!.url;
  const acme = tenantKey('acme');
  const recorded: Record<string, string> = {};
  const cancelAfter = (ms: number) => async (id: string) => {
    await wait(ms);
    await api(url, 'POST', `/v1/jobs/${id}/cancel`, { key: acme });
  };

  recorded['plain-call'] = await job(harness, acme, chatBody('plain call'));
  recorded['cached-first'] = await job(harness, acme, chatBody('cached call', 'gpt-4o-mini', { temperature: 0 }));
  recorded['cached-hit'] = await job(harness, acme, chatBody('cached call', 'gpt-4o-mini', { temperature: 0 }));
  recorded['retried-503'] = await job(harness, acme, chatBody('retried [[mock:status=503]] [[mock:fail-times=1]]'));
  recorded['streamed'] = await job(harness, acme, { ...chatBody('streamed [[mock:chunk-gap=20]]'), stream: true });
  recorded['stream-cut-retried'] = await job(harness, acme, {
    ...chatBody('cut once [[mock:stream-drop=2]] [[mock:fail-times=1]]'),
    stream: true,
  });
  recorded['retried-429'] = await job(
    harness,
    acme,
    chatBody('waits out [[mock:status=429]] [[mock:retry-after=1]] [[mock:fail-times=1]]'),
  );
  recorded['fallback-next-target'] = await job(harness, acme, chatBody('falls back [[mock:status=400]]', 'guarded'));
  recorded['degraded-message'] = await job(harness, acme, chatBody('degrades [[mock:status=401]]', 'guarded'));
  recorded['cancelled-mid-call'] = await job(harness, acme, chatBody('slow [[mock:latency=5000]]'), cancelAfter(1_000));
  recorded['cancelled-in-flight'] = await job(
    harness,
    acme,
    chatBody('slow shared [[mock:latency=5000]]', 'gpt-4o-mini', { temperature: 0 }),
    cancelAfter(1_000),
  );
  // Three identical requests at once meet in one flight.
  const coalesced = await Promise.all(
    [0, 1, 2].map(() =>
      job(harness, acme, chatBody('together [[mock:latency=800]]', 'gpt-4o-mini', { temperature: 0 })),
    ),
  );
  coalesced.forEach((id, i) => (recorded[`coalesced-${i}`] = id));
  recorded['cache-only-mode-miss'] = await job(
    harness,
    acme,
    chatBody('never cached', 'gpt-4o-mini', { cache: { mode: 'only' } }),
  );
  recorded['budget-rejected'] = await job(harness, tenantKey('broke'), chatBody('too dear'));
  recorded['budget-downgraded'] = await job(harness, tenantKey('thrifty'), chatBody('cheaper please'));
  recorded['budget-cache-only-miss'] = await job(harness, tenantKey('frugal'), chatBody('nothing cached'));
  const replayed = await api(url, 'POST', `/v1/jobs/${recorded['plain-call']}/replay`, { key: acme });
  recorded['replay'] = replayed.body.id as string;
  await api(url, 'GET', `/v1/jobs/${recorded['replay']}?wait=30`, { key: acme });

  // A job that fails (one attempt, a 500), then a bulk replay of the failed jobs: the replay succeeds.
  const bulkSince = new Date().toISOString();
  recorded['failed-server-error'] = await job(
    harness,
    acme,
    chatBody('fails once [[mock:status=500]] [[mock:fail-times=1]]', 'once'),
  );
  const matched = async () => {
    for (;;) {
      const filter = { status: 'failed', failure_type: 'SERVER_ERROR', created_after: bulkSince };
      const preview = await api(url, 'POST', '/v1/jobs/replays', { key: acme, body: { filter, dry_run: true } });
      if (preview.body.matched === 1) return filter;
      await wait(200);
    }
  };
  const bulk = await api(url, 'POST', '/v1/jobs/replays', { key: acme, body: { filter: await matched() } });
  recorded['bulk-replay'] = bulk.body.id as string;
  await api(url, 'GET', `/v1/jobs/${recorded['bulk-replay']}?wait=30`, { key: acme });
  for (;;) {
    const read = await api(url, 'GET', `/v1/jobs/${recorded['bulk-replay']}`, { key: acme });
    if (read.body.status !== 'running') break;
    await wait(200);
  }
  // Visibility lists the replay a moment after it started.
  for (let found = false; !found; await wait(200)) {
    const replays = await api(url, 'GET', `/v1/jobs?replay_of=${recorded['failed-server-error']}`, { key: acme });
    const [replayOfFailed] = replays.body.data as Array<{ id: string }>;
    if (replayOfFailed) {
      recorded['bulk-replayed-job'] = replayOfFailed.id;
      found = true;
    }
  }
  await api(url, 'GET', `/v1/jobs/${recorded['bulk-replayed-job']}?wait=30`, { key: acme });

  // Embeddings: a job of its own (one text the provider refuses, so the batch is split), and a synchronous
  // request, which the accumulator sends as a batch workflow.
  recorded['embeddings-job'] = await job(harness, acme, {
    model: 'text-embedding-3-small',
    input: ['first text', 'refused [[mock:status=400]] text', 'third text'],
  });
  await api(url, 'POST', '/v1/embeddings', { key: acme, body: { model: 'text-embedding-3-small', input: 'alone' } });
  // Batch jobs: one that completes with a refused request, and one cancelled while the provider works on it.
  const batchLines = (label: string) =>
    [0, 1, 2].map((i) => ({
      custom_id: `${label}-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: chatBody(i === 1 ? `${label} refused [[mock:status=400]]` : `${label} ${i}`),
    }));
  const batch = (label: string) => ({
    requests: batchLines(label),
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  const created = await api(url, 'POST', '/v1/batches', { key: acme, body: batch('done') });
  recorded['batch-job'] = created.body.id as string;
  await waitForBatch(url, acme, recorded['batch-job']);
  harness.mock.setBehavior({ batchCompletionMs: 10_000 });
  const cancelled = await api(url, 'POST', '/v1/batches', { key: acme, body: batch('stopped') });
  recorded['batch-job-cancelled'] = cancelled.body.id as string;
  await wait(2_000);
  await api(url, 'POST', `/v1/batches/${recorded['batch-job-cancelled']}/cancel`, { key: acme });
  await waitForBatch(url, acme, recorded['batch-job-cancelled']);

  const queue = jobsTaskQueue(harness.config.temporal.taskQueuePrefix);
  for await (const run of harness.client.workflow.list({
    query: `WorkflowType = 'embeddingBatch' AND TaskQueue = '${queue}'`,
  })) {
    if (run.workflowId.startsWith('embeddings-')) recorded['embeddings-accumulated'] = run.workflowId;
  }
  let flights = 0;
  for await (const flight of harness.client.workflow.list({
    query: `WorkflowType = 'providerFlight' AND TaskQueue = '${queue}'`,
  })) {
    recorded[`flight-${flights++}`] = flight.workflowId;
  }

  mkdirSync(outDir, { recursive: true });
  for (const [name, workflowId] of Object.entries(recorded)) {
    // Binary protobuf: exact, and read back by `History.decode` without any JSON mapping.
    const history = await harness.client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(join(outDir, `${name}.binpb`), temporal.api.history.v1.History.encode(history).finish());
  }
  console.log(`recorded ${Object.keys(recorded).length} histories into ${outDir}`);
  await harness.close();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
