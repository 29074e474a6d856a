import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { FailureType } from '../src/contract/failure-types';
import type { ProviderCallInput, ProviderCallResult } from '../src/contract/provider-call';
import { toApplicationFailure } from './failures';
import { KeyPoolBusyError, type KeyLease, type KeyPool, type KeyPools } from './key-pool';
import { keyFailure, keyPoolBusyFailure } from './key-pool-failures';
import type { ProviderClients } from './provider-clients';
import { ProviderError } from './providers/provider-error';
import { requestToSend } from './stored-request';
import { CallJournal } from './call-journal';
import { withHeartbeat } from './heartbeat';
import type { ChatRequest } from '../src/contract/chat';
import type { ResponseCacheStore } from '../src/stores/cache/contract';

export interface CallProviderDeps {
  /** Requests too large for workflow history, fetched by reference. */
  requests: ResponseCacheStore<ChatRequest>;
  /** Answers already received, for the retries of the activity that received them. */
  journal: CallJournal;
  clients: ProviderClients;
  keyPools: KeyPools;
  logger: Logger;
}

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
  return withHeartbeat(context, () => callWithPooledKey(deps, input, context));
}

async function callWithPooledKey(
  deps: CallProviderDeps,
  input: ProviderCallInput,
  context: Context,
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
  try {
    if (attempt > 1) {
      const recalled = await deps.journal.recall(callId);
      if (recalled) {
        deps.logger.info({ ...logFields, status: 'ok', recalled: true }, 'provider call');
        return recalled;
      }
    }
    pool = deps.keyPools.pool(input.providerId);
    const request = await requestToSend(deps.requests, input);
    lease = await pool.acquire(request);
    logFields.keyAlias = lease.alias;
    const adapter = deps.clients.adapterFor(input.providerId, lease.alias);
    const completion = await adapter.chat({
      model: input.model,
      request,
      signal: context.cancellationSignal,
      ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
    });
    const latencyMs = Math.round(performance.now() - started);
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
      },
      'provider call',
    );
    return result;
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    if (context.cancellationSignal.aborted) {
      deps.logger.info({ ...logFields, status: 'cancelled', latencyMs }, 'provider call');
      // The SDKs' own abort errors are not recognised by Temporal as a cancellation; the signal's reason is.
      throw context.cancellationSignal.reason;
    }
    if (err instanceof KeyPoolBusyError) {
      deps.logger.info({ ...logFields, status: 'keys_busy', retryAfterMs: err.retryAfterMs }, 'provider call');
      throw keyPoolBusyFailure(err, attempt);
    }
    if (err instanceof ProviderError) {
      deps.logger.warn(
        { ...logFields, status: err.type, httpStatus: err.details.status, latencyMs, error: err.message },
        'provider call',
      );
      if (pool && lease && err.type === FailureType.RateLimited) {
        throw keyFailure(err, attempt, lease.alias, await pool.rateLimited(lease, err.details.retryAfterMs));
      }
      if (pool && lease && err.type === FailureType.QuotaExhausted) {
        throw keyFailure(err, attempt, lease.alias, await pool.quotaExhausted(lease));
      }
      throw toApplicationFailure(err, attempt);
    }
    deps.logger.error({ ...logFields, status: 'error', latencyMs, err }, 'provider call');
    throw err;
  }
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
