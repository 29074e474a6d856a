import fc from 'fast-check';
import type { JobState, JobView } from '../../src/api/job-view';
import { chatBody, tenant, tenantKey } from './harness';
import { api, type JsonResponse } from './http';

/**
 * A random mix of jobs for the money-conservation test: every way a job can reach (or not reach) a provider,
 * driven through the real API. Each unit of the mix is one logical request whose prompt starts with
 * `<tenant>#u<index>`, so the mock provider's call log attributes every paid call to its tenant and unit.
 */

/** Each tenant's home model, one per provider wire format (and a distinct one for the capped tenant). */
export const TENANT_MODELS = {
  acme: 'gpt-4o-mini',
  bolt: 'claude-haiku-4-5',
  cove: 'gemini-2.5-flash',
  dime: 'gpt-4.1-nano',
} as const;

/** A function tool for the direct jobs, so the ledger is checked against tool-call answers as well as text. */
const LOOKUP_TOOL = {
  type: 'function',
  function: {
    name: 'lookup_order',
    description: 'Finds an order by its id.',
    parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
  },
} as const;

export type TenantId = keyof typeof TENANT_MODELS;
export const TENANT_IDS = Object.keys(TENANT_MODELS) as TenantId[];

/** The tenant whose small daily cap, with the `reject` policy, turns some of its jobs away. */
export const CAPPED_TENANT: TenantId = 'dime';
/** About a dozen of its jobs' real costs: concurrent reservations make the cap bite well before that. */
export const CAPPED_DAILY_USD = 0.00015;

export const UNIT_KINDS = [
  'direct',
  'coalesced',
  'cached',
  'cancel-early',
  'cancel-slow',
  'cancel-leader',
  'retried',
  'failover',
  'degraded',
  'replay',
  'idempotent',
] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** One logical request of the mix and how it is driven. */
export interface MixUnit {
  kind: UnitKind;
  tenant: TenantId;
  /** Sent as `max_tokens` when set; the capped tenant always sends one, so its reservations stay close to its costs. */
  maxTokens: number | undefined;
  /** Jobs that share the request: coalesced copies, cached repeats. */
  copies: number;
  /** How long after submitting a cancellation is sent. */
  cancelAfterMs: number;
  /** The mock's answer delay for the slow kinds. */
  latencyMs: number;
  /** For replays: whether the original is a cacheable (temperature 0) request. */
  deterministic: boolean;
}

/** Operator key of the test's config, for reading every tenant's ledger. */
export const OPERATOR_KEY = 'sk-conservation-operator';

/** Routes of the mix: a chain whose first target fails for good, and one whose every target fails into a message. */
export const MIX_CONFIG = {
  tenants: {
    acme: tenant('acme'),
    bolt: tenant('bolt'),
    cove: tenant('cove'),
    dime: tenant('dime', { budget: { dailyUsd: CAPPED_DAILY_USD, onExceeded: 'reject' } }),
  },
  routes: {
    // The same model twice, the second as `provider:model`: the retried body is identical, so a
    // `fail-times=1` directive fails the first target only.
    failover: { targets: [{ target: 'gpt-4o-mini', maxAttempts: 1 }, 'openai:gpt-4o-mini'] },
    degradable: {
      targets: [
        { target: 'claude-haiku-4-5', maxAttempts: 1 },
        { target: 'gemini-2.5-flash', maxAttempts: 1 },
      ],
      fallback: { staleCache: false, message: 'We are busy; please try again shortly.', onExhausted: 'degrade' },
    },
  },
  // Circuits opening on the injected failures would change which jobs reach a provider, not what is charged.
  circuitBreaker: { consecutiveFailures: 100_000, minRequests: 100_000 },
};

const KIND_WEIGHTS: Readonly<Record<UnitKind, number>> = {
  direct: 4,
  coalesced: 2,
  cached: 2,
  'cancel-early': 1,
  'cancel-slow': 1,
  'cancel-leader': 1,
  retried: 1,
  failover: 1,
  degraded: 1,
  replay: 1,
  idempotent: 1,
};

const unitArbitrary: fc.Arbitrary<MixUnit> = fc
  .record({
    kind: fc.oneof(...UNIT_KINDS.map((kind) => ({ arbitrary: fc.constant(kind), weight: KIND_WEIGHTS[kind] }))),
    tenant: fc.constantFrom(...TENANT_IDS),
    maxTokens: fc.option(fc.integer({ min: 4, max: 64 }), { nil: undefined }),
    cappedMaxTokens: fc.integer({ min: 16, max: 40 }),
    copies: fc.integer({ min: 2, max: 4 }),
    cancelAfterMs: fc.integer({ min: 0, max: 1_500 }),
    latencyMs: fc.constantFrom(1_500, 3_000, 6_000),
    deterministic: fc.boolean(),
  })
  .map(({ cappedMaxTokens, ...unit }) => ({
    ...unit,
    maxTokens: unit.tenant === CAPPED_TENANT ? cappedMaxTokens : unit.maxTokens,
  }));

/** The mix for a seed: the same seed always gives the same units. */
export function generateMix(seed: number, units: number): MixUnit[] {
  const [mix] = fc.sample(fc.array(unitArbitrary, { minLength: units, maxLength: units }), { seed, numRuns: 1 });
  if (!mix) throw new Error('fast-check produced no sample');
  return mix;
}

/** `acme#u17`: the start of every prompt of unit 17 of tenant acme. */
export function unitMarker(tenantId: TenantId, index: number): string {
  return `${tenantId}#u${index}`;
}

/** Reads a marker back from the start of a prompt. */
export function parseMarker(promptHead: string): { tenant: TenantId; unit: number } | undefined {
  const match = /^([a-z]+)#u(\d+)\b/.exec(promptHead);
  const tenantId = match?.[1];
  if (match?.[2] === undefined || tenantId === undefined || !(TENANT_IDS as string[]).includes(tenantId)) {
    return undefined;
  }
  return { tenant: tenantId as TenantId, unit: Number(match[2]) };
}

/**
 * The request body a unit sends. `runTag` makes the prompt unique to one run, so that runs sharing a Temporal
 * server never meet in one flight or idempotent job.
 */
export function unitBody(unit: MixUnit, index: number, runTag: string): ReturnType<typeof chatBody> {
  const marker = `${unitMarker(unit.tenant, index)} ${unit.kind} ${runTag}`;
  const model = TENANT_MODELS[unit.tenant];
  const tokens = unit.maxTokens === undefined ? {} : { max_tokens: unit.maxTokens };
  const varied = { temperature: 0.7, ...tokens };
  const cacheable = { temperature: 0, ...tokens };
  switch (unit.kind) {
    case 'direct':
      // Offered a tool, every provider's mock answers with a tool call: those answers are paid for too.
      return chatBody(marker, model, { ...varied, tools: [LOOKUP_TOOL] });
    case 'cancel-early':
    case 'idempotent':
      return chatBody(marker, model, varied);
    case 'coalesced':
      // A short delay keeps the flight open while its copies join it.
      return chatBody(`${marker} [[mock:latency=500]]`, model, cacheable);
    case 'cached':
      return chatBody(marker, model, cacheable);
    case 'cancel-slow':
      // Half the delay before the answer's headers, half before its body: a cancellation lands before the
      // provider answered (nothing paid) or while the paid answer is on the way (charged all the same).
      return chatBody(
        `${marker} [[mock:latency=${unit.latencyMs / 2}]] [[mock:body-delay=${unit.latencyMs / 2}]]`,
        model,
        varied,
      );
    case 'cancel-leader':
      return chatBody(`${marker} [[mock:latency=${unit.latencyMs}]]`, model, cacheable);
    case 'retried':
      return chatBody(`${marker} [[mock:status=503]] [[mock:fail-times=1]]`, model, varied);
    case 'failover':
      return chatBody(`${marker} [[mock:status=400]] [[mock:fail-times=1]]`, 'failover', varied);
    case 'degraded':
      return chatBody(`${marker} [[mock:status=503]]`, 'degradable', varied);
    case 'replay':
      return chatBody(marker, model, unit.deterministic ? cacheable : varied);
  }
}

/** One job the mix started, as it ended. */
export interface MixJob {
  id: string;
  unit: number;
  kind: UnitKind;
  tenant: TenantId;
  status: JobState;
  /** The result's cost; null when the job has no result or its cost is unknown. */
  costUsd: number | null;
  coalesced: boolean;
  cacheHit: boolean;
  degraded: boolean;
  errorCode: string | undefined;
  errorMessage: string | undefined;
}

/** What went wrong while driving the mix itself (as opposed to what the money check finds). */
export interface MixRun {
  jobs: MixJob[];
  /** Unexpected answers from the API, e.g. an idempotent resubmit that made a second job. */
  anomalies: string[];
}

/** Far beyond any job of the mix, retries and a worker restart included: a job still running then is stuck. */
const JOB_DEADLINE_MS = 150_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class MixDriver {
  readonly started: Array<{ id: string; unit: number; kind: UnitKind; tenant: TenantId }> = [];
  readonly anomalies: string[] = [];

  constructor(
    private readonly url: string,
    private readonly runTag: string,
  ) {}

  private async submit(
    unit: MixUnit,
    index: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<string | undefined> {
    const response = await api(this.url, 'POST', '/v1/jobs', { body, key: tenantKey(unit.tenant), headers });
    if (response.status !== 202) {
      this.anomalies.push(`unit ${index} (${unit.kind}): submit answered ${response.status} ${brief(response)}`);
      return undefined;
    }
    const id = String(response.body.id);
    if (!this.started.some((job) => job.id === id)) {
      this.started.push({ id, unit: index, kind: unit.kind, tenant: unit.tenant });
    }
    return id;
  }

  private async cancel(unit: MixUnit, index: number, id: string): Promise<void> {
    const response = await api(this.url, 'POST', `/v1/jobs/${id}/cancel`, { key: tenantKey(unit.tenant) });
    // 409: the job ended before the cancellation reached it, which a random cancel point may well hit.
    if (response.status !== 202 && response.status !== 409) {
      this.anomalies.push(
        `unit ${index} (${unit.kind}): cancel of ${id} answered ${response.status} ${brief(response)}`,
      );
    }
  }

  async waitFor(tenantId: TenantId, id: string): Promise<JobView> {
    const deadline = Date.now() + JOB_DEADLINE_MS;
    for (;;) {
      const response = await api(this.url, 'GET', `/v1/jobs/${id}?wait=30`, { key: tenantKey(tenantId) });
      if (response.status === 200 && response.body.status !== 'running') return response.body as JobView;
      if (Date.now() > deadline) throw new Error(`job ${id} of ${tenantId} did not end: ${brief(response)}`);
      if (response.status !== 200) await sleep(500); // e.g. a 503 while Temporal is busy: ask again
    }
  }

  /** Drives one unit to the point where all its jobs are started (and, where the kind needs it, ended). */
  async drive(unit: MixUnit, index: number): Promise<void> {
    const body = unitBody(unit, index, this.runTag);
    switch (unit.kind) {
      case 'direct':
      case 'retried':
      case 'failover':
      case 'degraded':
        await this.submit(unit, index, body);
        return;
      case 'coalesced':
        await Promise.all(Array.from({ length: unit.copies }, () => this.submit(unit, index, body)));
        return;
      case 'cached': {
        for (let copy = 0; copy < unit.copies; copy++) {
          const id = await this.submit(unit, index, body);
          if (id !== undefined) await this.waitFor(unit.tenant, id);
        }
        return;
      }
      case 'cancel-early': {
        const id = await this.submit(unit, index, body);
        if (id !== undefined) await this.cancel(unit, index, id);
        return;
      }
      case 'cancel-slow': {
        const id = await this.submit(unit, index, body);
        await sleep(unit.cancelAfterMs);
        if (id !== undefined) await this.cancel(unit, index, id);
        return;
      }
      case 'cancel-leader': {
        const leader = await this.submit(unit, index, body);
        await sleep(100);
        const followers = Promise.all(Array.from({ length: unit.copies - 1 }, () => this.submit(unit, index, body)));
        await sleep(unit.cancelAfterMs);
        if (leader !== undefined) await this.cancel(unit, index, leader);
        await followers;
        return;
      }
      case 'replay': {
        const original = await this.submit(unit, index, body);
        if (original === undefined) return;
        await this.waitFor(unit.tenant, original);
        const replay = await api(this.url, 'POST', `/v1/jobs/${original}/replay`, { key: tenantKey(unit.tenant) });
        if (replay.status !== 202) {
          this.anomalies.push(`unit ${index} (replay): replay answered ${replay.status} ${brief(replay)}`);
          return;
        }
        this.started.push({ id: String(replay.body.id), unit: index, kind: unit.kind, tenant: unit.tenant });
        return;
      }
      case 'idempotent': {
        const headers = { 'idempotency-key': `conservation-${this.runTag}-${index}` };
        const [first, second] = await Promise.all([
          this.submit(unit, index, body, headers),
          this.submit(unit, index, body, headers),
        ]);
        const third = await this.submit(unit, index, body, headers);
        if (first !== second || first !== third) {
          this.anomalies.push(`unit ${index} (idempotent): one key gave jobs ${first}, ${second}, ${third}`);
        }
        return;
      }
    }
  }
}

function brief(response: JsonResponse): string {
  return JSON.stringify(response.body).slice(0, 300);
}

/**
 * Drives every unit through the API at `url`, at most `concurrency` units at a time, then waits for every job
 * it started to end. `onProgress` is called after each unit has been driven (e.g. to kill a worker mid-run).
 */
export async function runMix(
  url: string,
  mix: readonly MixUnit[],
  options: { runTag: string; concurrency: number; onProgress?: (unitsDriven: number) => Promise<void> | void },
): Promise<MixRun> {
  const driver = new MixDriver(url, options.runTag);
  let next = 0;
  let driven = 0;
  const lane = async (): Promise<void> => {
    for (let index = next++; index < mix.length; index = next++) {
      const unit = mix[index];
      if (unit === undefined) continue;
      await driver.drive(unit, index);
      driven++;
      await options.onProgress?.(driven);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));

  const jobs = await Promise.all(
    driver.started.map(async (job): Promise<MixJob> => {
      const view = await driver.waitFor(job.tenant, job.id);
      // The mix submits chat jobs only.
      const result = view.result && 'completion' in view.result ? view.result : undefined;
      return {
        ...job,
        status: view.status,
        costUsd: result?.costUsd ?? null,
        coalesced: result?.coalesced ?? false,
        cacheHit: result?.cacheHit ?? false,
        degraded: result?.degraded ?? false,
        errorCode: view.error?.code,
        errorMessage: view.error?.message,
      };
    }),
  );
  return { jobs, anomalies: driver.anomalies };
}
