import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { planJob } from '../../src/api/job-plan';
import { loadConfig, type Config } from '../../src/config';
import { AI_JOB_WORKFLOW } from '../../src/contract/job';
import { fleetEnv } from '../../src/dev/fleet-env';
import { mockProviderEnv } from '../../src/dev/mock-provider-env';
import { startMockProvider, type MockCall, type MockProviderHandle } from '../../src/mock-provider';
import { connectClosable } from '../helpers/closable-connection';
import { startFleetEngines, type FleetEngines } from '../helpers/fleet-engines';
import { freePort } from '../helpers/free-port';
import { chatBody, configFileEnv, tenant, tenantKey } from '../helpers/harness';
import { api, type JsonResponse } from '../helpers/http';
import { callNanos, dollars, nanos } from '../helpers/money-audit';
import { exited, spawnApi, spawnWorker, untilHealthy } from '../helpers/worker-process';

// The scaled-out fleet on its real engines: Temporal on PostgreSQL with four history shards, Redis for the cache,
// budgets and rate-limit counters, two API processes and two worker processes. Clients submit jobs to both APIs
// the whole time while a worker is SIGKILLed, an API is SIGKILLed, Redis restarts and the Temporal server
// restarts; afterwards every job has ended once, and the ledger, the jobs' costs and the provider's call log agree.

const CLIENTS = ['load-a', 'load-b', 'load-a', 'load-b', 'capped'] as const;
const MODELS: Record<string, string> = {
  'load-a': 'gpt-4o-mini',
  'load-b': 'claude-haiku-4-5',
  capped: 'gpt-4.1-nano',
};
const TENANTS = ['load-a', 'load-b', 'capped'] as const;
/**
 * Seven to ten calls of the capped tenant's model at {@link MAX_TOKENS}: its one client sends 20–30 requests over
 * the run, some lost to the kills, so the cap is reached however slowly the machine runs.
 */
const CAPPED_DAILY_USD = 0.00005;
const MAX_TOKENS = 16;
/** Pause between one client's requests: about five requests a second in all, which a loaded 2-core machine keeps up with. */
const PAUSE_MS = 900;
/** A call answered this shortly before a worker's SIGKILL may have died with it unrecorded (see money-audit.ts). */
const CRASH_WINDOW_MS = 2_000;

const logDir = mkdtempSync(join(tmpdir(), 'switchyard-fleet-test-'));
const config = {
  tenants: {
    'load-a': tenant('load-a'),
    'load-b': tenant('load-b'),
    capped: tenant('capped', { budget: { dailyUsd: CAPPED_DAILY_USD, onExceeded: 'reject' } }),
    metered: tenant('metered', { limits: { requestsPerMinute: 10 } }),
    shared: tenant('shared'),
  },
  circuitBreaker: { consecutiveFailures: 100_000, minRequests: 100_000 },
};

/** One API or worker process of the fleet, restartable in place. */
interface Part {
  name: string;
  child: ChildProcess;
  url?: string;
  start(): Promise<void>;
}

let engines: FleetEngines | undefined;
let mock: MockProviderHandle | undefined;
let env: Record<string, string>;
let loaded: Config;
let temporalClient: Client | undefined;
let closeConnection: (() => Promise<void>) | undefined;
const workers: Part[] = [];
const apis: Part[] = [];

function logOf(name: string): string {
  return join(logDir, `${name}.log`);
}

function workerPart(index: number): Part {
  const part: Part = {
    name: `worker-${index}`,
    child: undefined as unknown as ChildProcess,
    start: () => {
      // Workers register the namespace's search attributes themselves (a no-op: up.sh did it already).
      part.child = spawnWorker({ ...env, TEMPORAL_REGISTER_SEARCH_ATTRIBUTES: 'true' }, logOf(part.name));
      return Promise.resolve();
    },
  };
  return part;
}

function apiPart(index: number, port: number): Part {
  const url = `http://127.0.0.1:${port}`;
  const part: Part = {
    name: `api-${index}`,
    url,
    child: undefined as unknown as ChildProcess,
    start: async () => {
      part.child = spawnApi({ ...env, PORT: String(port) }, logOf(part.name));
      await untilHealthy(url, part.child, 90_000);
    },
  };
  return part;
}

function logs(): string {
  return [...workers, ...apis]
    .map((part) => {
      try {
        return `--- ${part.name}\n${readFileSync(logOf(part.name), 'utf8').slice(-2_000)}`;
      } catch {
        return '';
      }
    })
    .join('\n');
}

beforeAll(async () => {
  engines = await startFleetEngines({ shards: 4 });
  mock = await startMockProvider({ port: 0, latencyMs: 300 });
  env = {
    ...configFileEnv(config),
    ...fleetEnv({
      temporalAddress: engines.temporalAddress,
      namespace: 'default',
      redisUrl: engines.redisUrl,
      taskQueuePrefix: 'fleet',
    }),
    ...mockProviderEnv(mock.url),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  loaded = loadConfig(env);
  const ports = [await freePort(), await freePort()];
  workers.push(workerPart(0), workerPart(1));
  apis.push(apiPart(0, ports[0]!), apiPart(1, ports[1]!));
  for (const worker of workers) await worker.start();
  await Promise.all(apis.map((part) => part.start()));
  const connection = await connectClosable(engines.temporalAddress);
  closeConnection = () => connection.close();
  temporalClient = new Client({ connection, namespace: loaded.temporal.namespace });
}, 240_000);

afterAll(async () => {
  for (const part of [...apis, ...workers]) {
    if (part.child && part.child.exitCode === null && part.child.signalCode === null) part.child.kill('SIGTERM');
  }
  await Promise.all([...apis, ...workers].filter((part) => part.child).map((part) => exited(part.child)));
  await closeConnection?.();
  await mock?.close();
  await engines?.stop();
}, 90_000);

/** A request sent by a load client, and what came of it. */
interface Sent {
  tenant: string;
  marker: string;
  /** The job id, when the API accepted the request (202, or a 200 naming its job). */
  id: string | null;
  status: number | string;
}

async function send(url: string, tenantId: string, marker: string, sync: boolean): Promise<Sent> {
  const body = {
    ...chatBody(`${marker} say something short`, MODELS[tenantId], { max_tokens: MAX_TOKENS }),
    metadata: { marker },
  };
  try {
    const response = await api(url, 'POST', sync ? '/v1/chat/completions' : '/v1/jobs', {
      key: tenantKey(tenantId),
      body,
      headers: {},
    });
    const id = sync
      ? response.status === 200
        ? response.headers.get('x-switchyard-job-id')
        : null
      : response.status === 202
        ? (response.body.id as string)
        : null;
    return { tenant: tenantId, marker, id, status: response.status };
  } catch (err) {
    // The API was killed mid-request, or is restarting: not accepted (a job it had started is found later).
    return { tenant: tenantId, marker, id: null, status: (err as Error).message };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kill(part: Part): Promise<void> {
  part.child.kill('SIGKILL');
  return exited(part.child);
}

interface Ended {
  id: string;
  tenant: string;
  marker: string | undefined;
  status: string;
  costNanos: number;
  errorCode: string | undefined;
}

/** Every job workflow of `tenantId` from Temporal's visibility, with how many runs each id has. */
async function listJobs(tenantId: string): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  const query = `WorkflowType = '${AI_JOB_WORKFLOW}' AND SwitchyardTenant = '${tenantId}'`;
  for await (const execution of temporalClient!.workflow.list({ query })) {
    runs.set(execution.workflowId, (runs.get(execution.workflowId) ?? 0) + 1);
  }
  return runs;
}

/** Waits until the job has ended and returns its view (through either API). */
async function ended(id: string, tenantId: string, deadline: number): Promise<JsonResponse> {
  for (let attempt = 0; ; attempt++) {
    const url = apis[attempt % 2]!.url!;
    const view = await api(url, 'GET', `/v1/jobs/${id}?wait=20`, { key: tenantKey(tenantId) }).catch(() => null);
    if (view && view.status === 200 && view.body.status !== 'running') return view;
    if (Date.now() > deadline) {
      throw new Error(`job ${id} of ${tenantId} did not end: ${view ? JSON.stringify(view.body) : 'no answer'}`);
    }
    await sleep(200);
  }
}

describe('a fleet of two APIs and two workers on PostgreSQL-backed Temporal and Redis', () => {
  const sent: Sent[] = [];
  const events: string[] = [];
  let killedWorkerAt = 0;
  let jobs: Ended[] = [];
  const runsById = new Map<string, number>();
  let calls: MockCall[] = [];
  const spend: Record<string, { daily: number; monthly: number; reserved: number }> = {};

  beforeAll(async () => {
    let loading = true;
    const clients = CLIENTS.map(async (tenantId, client) => {
      for (let seq = 0; loading; seq++) {
        const url = apis[(client + seq) % 2]!.url!;
        sent.push(await send(url, tenantId, `${tenantId}#c${client}r${seq}`, seq % 2 === 1));
        await sleep(PAUSE_MS);
      }
    });
    const acceptedCount = () => sent.filter((s) => s.id !== null).length;
    const step = async (what: string, action: () => Promise<void>) => {
      await sleep(6_000);
      const started = Date.now();
      await action();
      events.push(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s, ${acceptedCount()} accepted so far)`);
    };
    try {
      await step('SIGKILL worker-0 and start it again', async () => {
        await kill(workers[0]!);
        killedWorkerAt = Date.now();
        await sleep(2_000);
        await workers[0]!.start();
      });
      await step('SIGKILL api-0 and start it again', async () => {
        await kill(apis[0]!);
        await sleep(1_000);
        await apis[0]!.start();
      });
      await step('restart Redis', () => engines!.restartRedis());
      await step('restart the Temporal server', () => engines!.restartTemporal());
      await sleep(8_000);
    } finally {
      loading = false;
      await Promise.all(clients);
    }

    // Every job that exists, whether or not its client heard back: from visibility, then each one's view.
    const deadline = Date.now() + 120_000;
    const accepted = sent.filter((s) => s.id !== null);
    for (const tenantId of TENANTS) {
      for (const [id, count] of await listJobs(tenantId)) runsById.set(id, count);
    }
    for (const s of accepted) if (!runsById.has(s.id!)) runsById.set(s.id!, 0);
    const ids = [...runsById.keys()];
    const tenantOf = new Map(accepted.map((s) => [s.id!, s.tenant]));
    for (const tenantId of TENANTS) for (const [id] of await listJobs(tenantId)) tenantOf.set(id, tenantId);
    for (let i = 0; i < ids.length; i += 20) {
      const views = await Promise.all(
        ids.slice(i, i + 20).map(async (id) => {
          const tenantId = tenantOf.get(id)!;
          const view = await ended(id, tenantId, deadline);
          return {
            id,
            tenant: tenantId,
            marker: view.body.metadata?.marker as string | undefined,
            status: view.body.status as string,
            costNanos: nanos((view.body.result?.costUsd as number | null | undefined) ?? 0),
            errorCode: view.body.error?.code as string | undefined,
          };
        }),
      );
      jobs.push(...views);
    }
    // Visibility is written after the job closes: count the runs again once every job has ended.
    await sleep(3_000);
    for (const tenantId of TENANTS) for (const [id, count] of await listJobs(tenantId)) runsById.set(id, count);
    calls = mock!.calls().calls;
    for (const tenantId of TENANTS) {
      const response = await api(apis[0]!.url!, 'GET', '/v1/spend', { key: tenantKey(tenantId) });
      spend[tenantId] = {
        daily: nanos(response.body.daily.committedUsd as number),
        monthly: nanos(response.body.monthly.committedUsd as number),
        reserved: nanos((response.body.daily.reservedUsd as number) + (response.body.monthly.reservedUsd as number)),
      };
    }
    jobs = jobs.sort((a, b) => a.id.localeCompare(b.id));
  }, 330_000);

  test('every accepted job ended exactly once, completed (or turned away by the daily cap), and none was lost', () => {
    const accepted = sent.filter((s) => s.id !== null);
    const byId = new Map(jobs.map((job) => [job.id, job]));
    const lost = accepted.filter((s) => !byId.has(s.id!));
    const notOnce = [...runsById].filter(([, count]) => count !== 1);
    const badEnds = jobs.filter(
      (job) => job.status !== 'completed' && !(job.tenant === 'capped' && job.errorCode === 'budget_exceeded'),
    );
    if (badEnds.length > 0 || notOnce.length > 0)
      console.log(`fleet: ${JSON.stringify({ badEnds, notOnce })}\n${logs()}`);
    expect(accepted.length).toBeGreaterThan(50);
    expect(lost).toEqual([]);
    expect(notOnce).toEqual([]);
    expect(badEnds).toEqual([]);
  });

  test("per tenant, the ledger's committed spend equals the jobs' costs and the provider's priced calls; none charged twice", () => {
    const tolerance = (count: number) => count; // the ledger rounds each charge to whole nano-dollars
    let uncharged = 0;
    const doubleCharged: string[] = [];
    const problems: string[] = [];
    for (const tenantId of TENANTS) {
      const tenantCalls = calls.filter((call) => call.promptHead.startsWith(`${tenantId}#`));
      const tenantJobs = jobs.filter((job) => job.tenant === tenantId);
      const called = tenantCalls.reduce((sum, call) => sum + callNanos(call), 0);
      const charged = tenantJobs.reduce((sum, job) => sum + job.costNanos, 0);
      // Per request (its marker): what the provider was paid vs what its job reported.
      const markers = new Set([
        ...tenantCalls.map((call) => call.promptHead.split(' ')[0]!),
        ...tenantJobs.map((j) => j.marker ?? ''),
      ]);
      let unchargedNanos = 0;
      for (const marker of markers) {
        if (!marker) continue;
        const markerCalls = tenantCalls.filter((call) => call.promptHead.split(' ')[0] === marker);
        const paid = markerCalls.reduce((sum, call) => sum + callNanos(call), 0);
        const cost = tenantJobs.filter((job) => job.marker === marker).reduce((sum, job) => sum + job.costNanos, 0);
        if (cost > paid + tolerance(markerCalls.length))
          doubleCharged.push(`${marker}: charged ${dollars(cost)} for ${dollars(paid)}`);
        if (paid > cost + tolerance(markerCalls.length)) {
          // Paid but not charged: only a call answered just before the worker's SIGKILL may end so.
          const inWindow = markerCalls.every(
            (call) => call.at <= killedWorkerAt && call.at > killedWorkerAt - CRASH_WINDOW_MS,
          );
          if (inWindow) {
            uncharged += 1;
            unchargedNanos += paid - cost;
          } else {
            problems.push(
              `${marker}: ${markerCalls.length} call(s) worth ${dollars(paid)}, its job reported ${dollars(cost)}`,
            );
          }
        }
      }
      const committed = spend[tenantId]!.monthly;
      if (Math.abs(committed - charged) > tolerance(tenantJobs.length)) {
        problems.push(`${tenantId}: the ledger committed ${dollars(committed)}, the jobs report ${dollars(charged)}`);
      }
      if (Math.abs(committed - (called - unchargedNanos)) > tolerance(tenantCalls.length)) {
        problems.push(
          `${tenantId}: the ledger committed ${dollars(committed)} for calls worth ${dollars(called)} ` +
            `(${dollars(unchargedNanos)} of them uncharged in the crash window)`,
        );
      }
      if (spend[tenantId]!.reserved !== 0)
        problems.push(`${tenantId}: ${dollars(spend[tenantId]!.reserved)} still reserved`);
    }
    const accepted = sent.filter((s) => s.id !== null).length;
    console.log(
      `fleet: jobs=${jobs.length} accepted=${accepted} of ${sent.length} requests, provider calls=${calls.length}, ` +
        `kills/restarts=4 (${events.join('; ')}), lost=0, double-charged=${doubleCharged.length}, uncharged calls=${uncharged}`,
    );
    expect(problems).toEqual([]);
    expect(doubleCharged).toEqual([]);
  });

  test('the daily cap holds across both APIs and workers: spend stays within the cap plus one reservation', () => {
    const capped = jobs.filter((job) => job.tenant === 'capped');
    expect(
      capped.some((job) => job.errorCode === 'budget_exceeded') ||
        sent.some((s) => s.tenant === 'capped' && s.status === 402),
    ).toBe(true);
    const body = chatBody('capped#c9r999 say something short', MODELS.capped, { max_tokens: MAX_TOKENS });
    const reservation = nanos(planJob(loaded, 'capped', body).budget.estimateUsd);
    expect(spend.capped!.daily).toBeLessThanOrEqual(nanos(CAPPED_DAILY_USD) + reservation);
  });

  test('a rate limit of 10 requests a minute holds across the two APIs: of 12 at once, at most 10 are accepted', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api(apis[i % 2]!.url!, 'POST', '/v1/jobs', {
          key: tenantKey('metered'),
          body: chatBody(`metered#r${i} hello`, 'gpt-4o-mini', { max_tokens: MAX_TOKENS }),
        }),
      ),
    );
    const accepted = responses.filter((r) => r.status === 202).length;
    const limited = responses.filter((r) => r.status === 429).length;
    expect(accepted + limited).toBe(12);
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(10);
  });

  test('identical concurrent requests through both APIs, run by either worker, make one provider call', async () => {
    const prompt = 'shared#coalesce What is the capital of France? [[mock:latency=2000]]';
    const body = chatBody(prompt, 'gpt-4o-mini', { temperature: 0, max_tokens: MAX_TOKENS });
    const submitted = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api(apis[i % 2]!.url!, 'POST', '/v1/jobs', { key: tenantKey('shared'), body }),
      ),
    );
    expect(submitted.map((r) => r.status)).toEqual(Array(10).fill(202));
    const deadline = Date.now() + 60_000;
    const views = await Promise.all(submitted.map((r) => ended(r.body.id as string, 'shared', deadline)));
    expect(views.map((v) => v.body.status)).toEqual(Array(10).fill('completed'));
    const made = mock!.calls().calls.filter((call) => call.promptHead.startsWith('shared#coalesce'));
    expect(made).toHaveLength(1);
  });
});
