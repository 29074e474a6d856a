import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createStoreSteps } from '../../activities/store-steps';
import { createBudgetLedger, createResponseCache, type BudgetLedger, type ResponseCacheStore } from '../../src/stores';
import { RESERVATION_CLOSED } from '../../src/contract/failure-types';
import type { CachedResponse } from '../../src/contract/job';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

interface Warning {
  fields: Record<string, unknown>;
  message: string;
}

let ledger: BudgetLedger;
let cache: ResponseCacheStore<CachedResponse>;
let warnings: Warning[];
let steps: ReturnType<typeof createStoreSteps>;
let tenantId: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-steps-'));
  ledger = await createBudgetLedger({ kind: 'sqlite', path: join(dir, 'counters.sqlite') });
  cache = await createResponseCache<CachedResponse>({ kind: 'sqlite', path: join(dir, 'cache.sqlite') });
});

afterAll(async () => {
  await ledger?.close();
  await cache?.close();
});

beforeEach(() => {
  warnings = [];
  tenantId = `tenant-${randomUUID()}`;
  steps = createStoreSteps({
    cache,
    ledger,
    logger: { warn: (fields, message) => warnings.push({ fields, message }) },
  });
});

function reserve(reservationId: string, amountUsd: number) {
  return steps.reserveBudget({ reservationId, tenantId, amountUsd, caps: { dailyUsd: 10 }, now: NOW });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('the budget steps of the job workflow', () => {
  test('when a reservation id is already committed, reserving it fails for good with a clear message', async () => {
    const id = `job-${randomUUID()}`;
    await expect(reserve(id, 0.5)).resolves.toEqual({ ok: true, reservedUsd: 0.5 });
    // A retried reserve while it is still reserved answers as the first did.
    await expect(reserve(id, 0.5)).resolves.toEqual({ ok: true, reservedUsd: 0.5 });
    await steps.commitBudget({ reservationId: id, actualUsd: 0.1, tenantId });

    const failure = await failureOf(reserve(id, 0.5));
    expect(failure.type).toBe(RESERVATION_CLOSED);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(id);
    expect(failure.message).toMatch(/already committed/);
    expect((await ledger.spend(tenantId, {}, NOW)).daily).toMatchObject({ committedUsd: 0.1, reservedUsd: 0 });
  });

  test("a re-run of the run's own workflow task finds its committed reservation and moves no money", async () => {
    const runId = randomUUID();
    const id = `job-x@${runId}`;
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'job-x', runId } });
    const input = { reservationId: id, tenantId, amountUsd: 0.5, caps: { dailyUsd: 10 }, now: NOW };
    await env.run(steps.reserveBudget, input);
    await steps.commitBudget({ reservationId: id, actualUsd: 0.1, tenantId });
    await expect(env.run(steps.reserveBudget, input)).resolves.toEqual({ ok: true, reservedUsd: 0 });
    expect((await ledger.spend(tenantId, {}, NOW)).daily).toMatchObject({ committedUsd: 0.1, reservedUsd: 0 });
    // Another run never gets a committed reservation back.
    const other = new MockActivityEnvironment({ workflowExecution: { workflowId: 'job-x', runId: randomUUID() } });
    const failure = await failureOf(other.run(steps.reserveBudget, input));
    expect(failure.type).toBe(RESERVATION_CLOSED);
  });

  test('when a reservation id is already released, reserving it fails for good', async () => {
    const id = `job-${randomUUID()}`;
    await reserve(id, 0.5);
    await steps.releaseBudget({ reservationId: id });
    const failure = await failureOf(reserve(id, 0.5));
    expect(failure).toMatchObject({ type: RESERVATION_CLOSED, nonRetryable: true });
    expect(failure.message).toMatch(/already released/);
  });

  test('when a job costs more than its reservation, the commit charges it, warns with the amounts and reports them', async () => {
    const id = `job-${randomUUID()}`;
    await reserve(id, 0.02);
    const outcome = await steps.commitBudget({ reservationId: id, actualUsd: 0.5, tenantId });
    expect(outcome).toEqual({ reservedUsd: 0.02, committedUsd: 0.5, overshootUsd: 0.48 });
    expect(warnings).toEqual([
      {
        fields: { reservationId: id, tenantId, reservedUsd: 0.02, committedUsd: 0.5, overshootUsd: 0.48 },
        message: expect.stringMatching(/above its reservation/),
      },
    ]);
    expect((await ledger.spend(tenantId, {}, NOW)).daily.committedUsd).toBe(0.5);
  });

  test('when a job costs no more than its reservation, the commit reports no overshoot and warns of nothing', async () => {
    const id = `job-${randomUUID()}`;
    await reserve(id, 0.5);
    await expect(steps.commitBudget({ reservationId: id, actualUsd: 0.5, tenantId })).resolves.toEqual({
      reservedUsd: 0.5,
      committedUsd: 0.5,
      overshootUsd: 0,
    });
    expect(warnings).toEqual([]);
  });
});
