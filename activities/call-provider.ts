import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { ProviderCallInput, ProviderCallResult } from '../workflows/shared';
import { toApplicationFailure } from './failures';
import type { ProviderClients } from './provider-clients';
import { ProviderError } from './providers/provider-error';

/** Long calls heartbeat so a crashed worker's call is noticed within the heartbeat timeout. */
const HEARTBEAT_INTERVAL_MS = 2_000;

export interface CallProviderDeps {
  clients: ProviderClients;
  logger: Logger;
}

/** Calls one provider with one key; logs one line per call (never the key itself). */
export async function callProvider(deps: CallProviderDeps, input: ProviderCallInput): Promise<ProviderCallResult> {
  const context = Context.current();
  const attempt = context.info.attempt;
  const logFields = {
    jobId: input.jobId,
    provider: input.providerId,
    model: input.model,
    keyAlias: input.keyAlias,
    attempt,
  };
  const started = performance.now();
  const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    const adapter = deps.clients.adapterFor(input.providerId, input.keyAlias);
    const completion = await adapter.chat({
      model: input.model,
      request: input.request,
      signal: context.cancellationSignal,
    });
    const latencyMs = Math.round(performance.now() - started);
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
    return { completion, latencyMs, attempt };
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    if (context.cancellationSignal.aborted) {
      deps.logger.info({ ...logFields, status: 'cancelled', latencyMs }, 'provider call');
      // The SDKs' own abort errors are not recognised by Temporal as a cancellation; the signal's reason is.
      throw context.cancellationSignal.reason;
    }
    if (err instanceof ProviderError) {
      deps.logger.warn(
        { ...logFields, status: err.type, httpStatus: err.details.status, latencyMs, error: err.message },
        'provider call',
      );
      throw toApplicationFailure(err, attempt);
    }
    deps.logger.error({ ...logFields, status: 'error', latencyMs, err }, 'provider call');
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}
