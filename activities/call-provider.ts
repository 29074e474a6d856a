import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { CommitBudgetInput } from '../src/contract/activities';
import { costOf } from '../src/contract/cost';
import type { CommitWithCall, ProviderCallInput, ProviderCallResult } from '../src/contract/provider-call';
import type { KeyLease, KeyPool, KeyPools } from './key-pool';
import { failedCallError } from './failed-call';
import type { ProviderClients } from './provider-clients';
import { ProviderError } from './providers/provider-error';
import { requestToSend } from './stored-request';
import { CallJournal } from './call-journal';
import { withHeartbeat } from './heartbeat';
import type { CallSlots } from './call-slots';
import type { LocalCallPolicy } from './local-call-policy';
import type { CancelMarks } from '../src/stores/cancel-marks';
import { textOf, type ChatCompletion, type ChatRequest, type ChatUsage } from '../src/contract/chat';
import type { ResponseCacheStore } from '../src/stores/cache/contract';
import type { StreamStore } from '../src/stores/streams/contract';
import { randomUUID } from 'node:crypto';
import { JobStreamWriter } from './job-stream-writer';
import { cutStreamUsage, streamedChat } from './streamed-chat';
import type { ChatCallInput } from './providers/types';

export interface CallProviderDeps {
  /** Requests too large for workflow history, fetched by reference. */
  requests: ResponseCacheStore<ChatRequest>;
  /** Answers already received, for the retries of the activity that received them. */
  journal: CallJournal;
  clients: ProviderClients;
  keyPools: KeyPools;
  logger: Logger;
  /** For calls run as local activities in the jobs worker; absent on a provider queue's worker. */
  local?: LocalCallDeps;
  /** Where streamed calls write their tokens; without it, a call asked to stream answers whole. */
  streams?: StreamStore;
  /** The call's line carries the request messages and the completion text (config `logging.payloads`). */
  logPayloads?: boolean;
}

export interface LocalCallDeps {
  /** Each provider's `maxConcurrentCalls` in this process. */
  slots: CallSlots;
  /** Cancellations the API requested, seen by a call before its workflow task brings them. */
  cancelMarks: CancelMarks;
  /** Which calls go local; learns each provider's latency from every call of this process. */
  policy: LocalCallPolicy;
  /** Commits a job's reservation, for calls asked to (`ProviderCallInput.commit`); without it, jobs commit. */
  commitBudget?: (input: CommitBudgetInput) => Promise<unknown>;
}

/** How often a local call looks for its job's cancel mark (once it has run this long). */
const CANCEL_MARK_POLL_MS = 1_000;

/**
 * Calls one provider with a key chosen from its pool at call time; logs one line per call with the alias
 * used (never the key itself). Heartbeats while it waits, so a dead worker's call is retried elsewhere.
 *
 * A 429 cools the key down and an exhausted quota leaves it out, both in the shared store; the failure
 * then says when the retry can find a key (see `keyFailure`). When no key is free before the call, no
 * call is made and the activity fails with KEY_POOL_BUSY for the workflow to wait out.
 */
export async function callProvider(deps: CallProviderDeps, input: ProviderCallInput): Promise<ProviderCallResult> {
  const context = Context.current();
  if (context.info.isLocal && deps.local) return callLocally(deps, deps.local, input, context);
  return withHeartbeat(context, () => callWithPooledKey(deps, input, context, context.cancellationSignal));
}

/**
 * A call run as a local activity. It cannot heartbeat (it lives in the workflow task, and a dead worker loses
 * both), and a workflow task that is retried elsewhere runs it again from attempt 1: so the journal is read on
 * every attempt. A cancellation reaches it through the API's cancel mark, which closes the provider connection at
 * once; the activity then ends when the workflow's own cancellation arrives with its next workflow task.
 */
async function callLocally(
  deps: CallProviderDeps,
  local: LocalCallDeps,
  input: ProviderCallInput,
  context: Context,
): Promise<ProviderCallResult> {
  const jobId = input.jobId;
  const marked = new AbortController();
  const watch = setInterval(() => {
    void local.cancelMarks.isMarked(jobId).then((yes) => {
      if (yes) marked.abort(new Error(`job ${jobId} was cancelled`));
    });
  }, CANCEL_MARK_POLL_MS);
  const signal = AbortSignal.any([context.cancellationSignal, marked.signal]);
  try {
    const result = await deps.journal.once(CallJournal.idOf(context.info), () =>
      local.policy.track(() =>
        local.slots.run(input.providerId, signal, () =>
          // Only the job's own cancellation is charged for what its stream generated: a worker shutting down also
          // aborts the call, whose retry elsewhere pays for the whole answer.
          callWithPooledKey(deps, input, context, signal, (usage) =>
            marked.signal.aborted ? chargeCutStream(deps, input, usage) : Promise.resolve(),
          ),
        ),
      ),
    );
    return input.commit && local.commitBudget
      ? await commitWithCall(local.commitBudget, input.commit, result, deps.logger)
      : result;
  } catch (err) {
    if (!marked.signal.aborted || context.cancellationSignal.aborted) throw err;
    // Never a failure of its own: that would move the job to its next target instead of ending it.
    await context.cancelled;
    throw err;
  } finally {
    clearInterval(watch);
  }
}

/**
 * Commits the job's reservation at the answer's cost. Idempotent, like every commit: a call run again (its
 * workflow task retried) recalls the same answer and commits the same amount. A store that fails here leaves
 * the commit to the job, never fails a call that the provider has answered and been paid for.
 */
async function commitWithCall(
  commitBudget: NonNullable<LocalCallDeps['commitBudget']>,
  commit: CommitWithCall,
  result: ProviderCallResult,
  logger: CallProviderDeps['logger'],
): Promise<ProviderCallResult> {
  const actualUsd = costOf(result.completion.usage, commit.price) ?? 0;
  try {
    await commitBudget({ reservationId: commit.reservationId, actualUsd, tenantId: commit.tenantId });
    return { ...result, committed: true };
  } catch (err) {
    logger.warn({ err, reservationId: commit.reservationId }, 'budget not committed with its call: the job commits it');
    return result;
  }
}

async function callWithPooledKey(
  deps: CallProviderDeps,
  input: ProviderCallInput,
  context: Context,
  signal: AbortSignal,
  onCut?: (usage: ChatUsage) => Promise<void>,
): Promise<ProviderCallResult> {
  const attempt = context.info.attempt;
  const logFields: Record<string, unknown> = {
    jobId: input.jobId,
    provider: input.providerId,
    model: input.model,
    attempt,
  };
  const started = performance.now();
  let pool: KeyPool | undefined;
  let lease: KeyLease | undefined;
  const callId = CallJournal.idOf(context.info);
  let writer: JobStreamWriter | undefined;
  let request: ChatRequest | undefined;
  try {
    if (attempt > 1 || context.info.isLocal) {
      const recalled = await deps.journal.recall(callId);
      if (recalled) {
        deps.logger.info({ ...logFields, status: 'ok', recalled: true }, 'provider call');
        return recalled;
      }
    }
    pool = deps.keyPools.pool(input.providerId);
    request = await requestToSend(deps.requests, input);
    if (deps.logPayloads) logFields.messages = request.messages;
    lease = await pool.acquire(request);
    logFields.keyAlias = lease.alias;
    const adapter = deps.clients.adapterFor(input.providerId, lease.alias);
    const call: ChatCallInput = {
      model: input.model,
      request,
      signal,
      ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
    };
    writer =
      input.stream && deps.streams
        ? new JobStreamWriter(deps.streams, input.stream.id, randomUUID(), deps.logger)
        : undefined;
    const completion = writer
      ? await streamedChat(adapter, call, writer, { providerId: input.providerId, attempt })
      : await adapter.chat(call);
    const latencyMs = Math.round(performance.now() - started);
    deps.local?.policy.observe(input.providerId, latencyMs);
    const result: ProviderCallResult = { completion, latencyMs, attempt, keyAlias: lease.alias };
    await deps.journal.record(callId, result);
    // The provider has answered and been paid: bookkeeping that fails from here on must not fail the
    // activity, or Temporal's retry would pay for the same call again.
    await settleQuietly(deps, pool, lease, completion.usage.total_tokens, logFields);
    deps.logger.info(
      {
        ...logFields,
        status: 'ok',
        latencyMs,
        inputTokens: completion.usage.prompt_tokens,
        outputTokens: completion.usage.completion_tokens,
        ...(deps.logPayloads ? { completion: completionText(completion) } : {}),
      },
      'provider call',
    );
    return result;
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    if (err instanceof ProviderError && !signal.aborted) deps.local?.policy.observe(input.providerId, latencyMs);
    const cut = signal.aborted && writer && request ? cutStreamUsage(request, writer) : null;
    if (cut && onCut) await onCut(cut);
    throw await failedCallError({ err, signal, attempt, latencyMs, pool, lease, logger: deps.logger, logFields });
  }
}

/** What the model answered, as text: each choice's content (a call that only calls tools answers ''). */
function completionText(completion: ChatCompletion): string {
  return completion.choices.map((choice) => textOf(choice.message.content)).join('\n');
}

async function settleQuietly(
  deps: CallProviderDeps,
  pool: KeyPool,
  lease: KeyLease,
  usedTokens: number,
  logFields: Record<string, unknown>,
): Promise<void> {
  try {
    await pool.settle(lease, usedTokens);
  } catch (err) {
    deps.logger.warn({ ...logFields, err }, 'key usage not settled: the key state store is unavailable');
  }
}

/**
 * Commits a cancelled job's reservation at what its stream had generated when it was cut, for a local call that
 * commits (the job's own release then finds it committed and leaves it). Best effort, like a commit with a call.
 */
async function chargeCutStream(deps: CallProviderDeps, input: ProviderCallInput, usage: ChatUsage): Promise<void> {
  const commitBudget = deps.local?.commitBudget;
  if (!input.commit || !commitBudget) return;
  const actualUsd = costOf(usage, input.commit.price) ?? 0;
  try {
    await commitBudget({ reservationId: input.commit.reservationId, actualUsd, tenantId: input.commit.tenantId });
    deps.logger.info({ jobId: input.jobId, usage, actualUsd }, 'cancelled stream charged for what it generated');
  } catch (err) {
    deps.logger.warn({ err, jobId: input.jobId }, 'cancelled stream not charged: the ledger is unavailable');
  }
}
