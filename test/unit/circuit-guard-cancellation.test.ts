import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { guardedCall, type CircuitDeps } from '../../activities/circuit-guard';
import { createCircuitStore } from '../../src/stores/circuits/open';
import type { CircuitStore } from '../../src/stores/circuits/contract';
import { FailureType } from '../../src/contract/failure-types';
import type { ProviderCallInput, ProviderCallResult } from '../../src/contract/provider-call';

const SETTINGS = {
  failureRatio: 0.5,
  minRequests: 10,
  consecutiveFailures: 1,
  windowSeconds: 30,
  openSeconds: 30,
  probeSeconds: 30,
};
const input: ProviderCallInput = {
  jobId: 'job_circuitguard1',
  providerId: 'openai',
  model: 'gpt-4o-mini',
  request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
};

let circuits: CircuitStore;
let deps: CircuitDeps;

beforeEach(async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-circuit-guard-')), 'counters.sqlite');
  circuits = await createCircuitStore({ kind: 'sqlite', path }, SETTINGS);
  deps = { circuits, circuitModels: new Set(['openai:gpt-4o-mini']), logger: { warn: () => undefined } };
});
afterEach(async () => {
  await circuits.close();
});

/** A provider call that fails the way a provider that went away does, once the activity's signal fires. */
function failingCall(env: MockActivityEnvironment, cancelFirst: boolean) {
  return (): Promise<ProviderCallResult> => {
    if (cancelFirst) env.cancel();
    return Promise.reject(ApplicationFailure.create({ type: FailureType.ServerError, message: 'connection reset' }));
  };
}

const phase = async () => (await circuits.list()).find((c) => c.key === 'openai:gpt-4o-mini')?.phase ?? 'closed';

test('a provider failure opens the circuit (one consecutive failure in this configuration)', async () => {
  const env = new MockActivityEnvironment();
  await expect(env.run(() => guardedCall(deps, input, failingCall(env, false)))).rejects.toThrow('connection reset');
  expect(await phase()).toBe('open');
});

test('a call cut short by our own cancellation or shutdown is not counted against the provider', async () => {
  const env = new MockActivityEnvironment();
  await expect(env.run(() => guardedCall(deps, input, failingCall(env, true)))).rejects.toThrow('connection reset');
  expect(await phase()).toBe('closed');
});
