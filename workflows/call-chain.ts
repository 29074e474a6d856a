import {
  ActivityCancellationType,
  ApplicationFailure,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { AdmitCircuitInput, CircuitAdmission, ProviderActivities } from '../src/contract/activities';
import { storeSteps } from './local-activities';
import { FailureType } from '../src/contract/failure-types';
import {
  attemptsOf,
  causeOf,
  failureTypeOf,
  HEARTBEAT_TIMEOUT,
  KEY_POOL_WAIT,
  keyPoolWaitOf,
  PROVIDER_RETRY,
} from './provider-failures';
import { Patch, type PatchCheck } from './patches';
import { afterFailedFirstCall, type FirstCall } from './first-call';
import type { AttemptRecord, JobTarget, RequestRef } from '../src/contract/job';
import type { ProviderCallResult } from '../src/contract/provider-call';
import type { ChatRequest } from '../src/contract/chat';

/**
 * History events past which a workflow stops waiting for a busy key pool (Temporal warns at 10,240 events and
 * terminates at 51,200): the target then ends as rate limited and the chain moves on.
 */
const MAX_HISTORY_EVENTS_FOR_WAITS = 8_000;

/** The target's call, with `maximumAttempts` attempts left of its `maxAttempts`. */
function providerActivities(
  target: JobTarget,
  local: boolean,
  maximumAttempts: number,
  has: PatchCheck,
): ProviderActivities {
  // The adapter enforces the target's timeout itself; the margin keeps Temporal's from firing first.
  const startToCloseTimeout = target.timeoutMs + 5_000;
  const retry = { ...PROVIDER_RETRY, maximumAttempts };
  if (local) {
    // No heartbeat: a local activity lives and dies with the workflow task, which a dead worker loses too.
    return proxyLocalActivities<ProviderActivities>({
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      startToCloseTimeout,
      retry,
    });
  }
  return proxyActivities<ProviderActivities>({
    taskQueue: target.taskQueue,
    // A cancelled call may still have been answered (and paid) before the abort reached it: waiting for the
    // activity's own outcome lets the workflow charge such an answer instead of dropping it.
    ...(has(Patch.WaitForCancelledCalls)
      ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED }
      : {}),
    startToCloseTimeout,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry,
  });
}

export interface ChainSuccess {
  call: ProviderCallResult;
  target: JobTarget;
  attempts: AttemptRecord[];
}

/**
 * Calls the targets in order on their providers' task queues, letting Temporal retry transient
 * failures, and moves on when a target fails for good. Throws a non-retryable `ApplicationFailure`
 * of the last failure's type, with every attempt in its details, when all targets failed.
 */
export interface ChainOptions {
  onTarget?: (target: JobTarget) => void;
  requestRef?: RequestRef;
  /** Whether targets marked `callLocally` may run their call as a local activity (jobs; flights stay queued). */
  allowLocalCalls?: boolean;
  /** The first target's admission, when the job asked for it with its reservation (see `reserveAndAdmit`). */
  firstAdmission?: CircuitAdmission | boolean;
  /** The job's reservation, for a local call to commit at its real cost the moment the provider answers. */
  commit?: { reservationId: string; tenantId: string };
  /** The first target's first call, when the job made it with its reservation (see `reserveAndCall`). */
  firstCall?: FirstCall;
  /** Each call streams its tokens to this stream (see `ProviderCallInput.stream`). */
  stream?: { id: string };
  /** The run's patch check (a job's answers for several patches under one marker); `patched` by default. */
  patches?: PatchCheck;
}

/** What to ask the circuit of `target`: whether it may be called locally is asked only where it may be. */
export function admissionInput(
  target: JobTarget,
  allowLocalCalls: boolean,
  has: PatchCheck = patched,
): AdmitCircuitInput {
  const mayCallLocally = allowLocalCalls && target.callLocally === true && has(Patch.LocalProviderCalls);
  return { providerId: target.providerId, model: target.model, ...(mayCallLocally ? { local: true } : {}) };
}

/**
 * Calls the targets in order on their providers' task queues, letting Temporal retry transient
 * failures, and moves on when a target fails for good. Throws a non-retryable `ApplicationFailure`
 * of the last failure's type, with every attempt in its details, when all targets failed.
 */
export async function callChain(
  jobId: string,
  request: ChatRequest,
  targets: JobTarget[],
  {
    onTarget = () => undefined,
    requestRef,
    allowLocalCalls = false,
    firstAdmission,
    commit,
    firstCall,
    stream,
    patches: has = patched,
  }: ChainOptions = {},
): Promise<ChainSuccess> {
  const attempts: AttemptRecord[] = [];
  let lastFailure: { type: FailureType; message: string } | null = null;
  for (const target of targets) {
    const admission =
      target === targets[0] && firstAdmission !== undefined
        ? firstAdmission
        : await storeSteps.admitCircuit(admissionInput(target, allowLocalCalls, has));
    // Histories of earlier releases hold a plain boolean.
    const admitted = typeof admission === 'boolean' ? admission : admission.admitted;
    const local = typeof admission !== 'boolean' && admission.local;
    // An open circuit is skipped without spending the target's attempts or touching the provider.
    if (!admitted) {
      const message = `The circuit of ${target.providerId}:${target.model} is open: skipped`;
      attempts.push({
        providerId: target.providerId,
        model: target.model,
        outcome: FailureType.CircuitOpen,
        attempts: 0,
        message,
      });
      lastFailure = { type: FailureType.CircuitOpen, message };
      continue;
    }
    onTarget(target);
    // Activity attempts on this target, over every fresh call after a wait for the key pool.
    let targetAttempts = 0;
    if (target === targets[0] && firstCall) {
      if ('result' in firstCall) {
        const call = firstCall.result;
        attempts.push({ providerId: target.providerId, model: target.model, outcome: 'ok', attempts: call.attempt });
        return { call, target, attempts };
      }
      const { used, final, retryAfter } = afterFailedFirstCall(firstCall.failure, target);
      targetAttempts = used;
      if (!final && used > 0) await sleep(retryAfter);
      if (final) {
        attempts.push({
          providerId: target.providerId,
          model: target.model,
          outcome: final.type,
          attempts: used,
          message: final.message,
        });
        lastFailure = final;
        continue;
      }
    }
    let waitedMs = 0;
    for (let waits = 0; ; waits++) {
      let failure: unknown;
      try {
        // Attempts a first call used count against the target's own; those after a key-pool wait do not.
        const left = waits === 0 ? target.maxAttempts - targetAttempts : target.maxAttempts;
        const call = await providerActivities(target, local, left, has).callProvider({
          jobId,
          providerId: target.providerId,
          model: target.model,
          request,
          ...(requestRef ? { requestRef } : {}),
          timeoutMs: target.timeoutMs,
          ...(local && commit ? { commit: { ...commit, price: target.price } } : {}),
          ...(stream ? { stream } : {}),
          ...(waits === 0 && targetAttempts > 0 ? { priorAttempts: targetAttempts } : {}),
        });
        const total = targetAttempts + call.attempt;
        attempts.push({ providerId: target.providerId, model: target.model, outcome: 'ok', attempts: total });
        return { call, target, attempts };
      } catch (err) {
        if (isCancellation(err)) throw err;
        failure = err;
      }
      targetAttempts += attemptsOf(failure);
      const wait = keyPoolWaitOf(failure);
      if (
        wait !== null &&
        waits < KEY_POOL_WAIT.maxWaits &&
        waitedMs + wait <= KEY_POOL_WAIT.maxTotalMs &&
        workflowInfo().historyLength < MAX_HISTORY_EVENTS_FOR_WAITS
      ) {
        waitedMs += wait;
        await sleep(wait);
        continue;
      }
      // A pool still busy after the longest wait is reported as what it is to the caller: rate limited.
      const type = wait === null ? failureTypeOf(failure) : FailureType.RateLimited;
      const message = (causeOf(failure) as Error | undefined)?.message || (failure as Error).message;
      attempts.push({
        providerId: target.providerId,
        model: target.model,
        outcome: type,
        attempts: targetAttempts,
        message,
      });
      lastFailure = { type, message };
      break;
    }
  }
  throw ApplicationFailure.create({
    type: lastFailure?.type ?? FailureType.NotConfigured,
    message: lastFailure
      ? `All ${targets.length} target(s) failed; last: ${lastFailure.message}`
      : 'The job has no targets to call',
    nonRetryable: true,
    details: [attempts],
  });
}
