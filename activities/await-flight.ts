import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { asFinalFailure } from '../src/contract/final-failure';
import { MODEL, TENANT } from '../src/contract/search-attributes';
import { withHeartbeat } from './heartbeat';
import {
  flightWorkflowId,
  JOIN_FLIGHT_SIGNAL,
  PROVIDER_FLIGHT_WORKFLOW,
  type FlightInput,
  type ProviderFlightWorkflow,
  type FlightResult,
} from '../src/contract/flight';

export interface AwaitFlightDeps {
  client: Client;
  /** Task queue the flight workflows run on (the jobs queue). */
  jobsTaskQueue: string;
}

/**
 * Joins the flight for the job's cache key — signal-with-start of `joinFlight`, which starts the flight when
 * none is running — and waits for its answer. A retry after a worker crash joins the same flight again (the
 * join is idempotent per job), so no call is repeated. A flight that ended cancelled (every job that waited
 * left) is retried: the retry starts a new flight.
 */
export async function awaitFlight(deps: AwaitFlightDeps, input: FlightInput): Promise<FlightResult> {
  const context = Context.current();
  try {
    return await withHeartbeat(context, () => joinAndWait(deps, input, context));
  } catch (err) {
    // The flight's own failure (e.g. every target failed) becomes this activity's, type and attempts included.
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) throw asFinalFailure(err.cause);
    throw err;
  }
}

async function joinAndWait(deps: AwaitFlightDeps, input: FlightInput, context: Context): Promise<FlightResult> {
  // A retry (the worker died while waiting) first looks for the answer of the flight this job started:
  // joining anew would start another flight, whose cached answer would not say that this job paid.
  if (context.info.attempt > 1) {
    const own = await ownFinishedFlight(deps.client, input);
    if (own) return own;
  }
  const handle = await deps.client.workflow.signalWithStart<ProviderFlightWorkflow, [jobId: string]>(
    PROVIDER_FLIGHT_WORKFLOW,
    {
      workflowId: flightWorkflowId(input.cache.key),
      taskQueue: deps.jobsTaskQueue,
      args: [input],
      signal: JOIN_FLIGHT_SIGNAL,
      signalArgs: [input.leaderJobId],
      // A finished flight's answer is in the cache; a new flight with the same key finds it there.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `shared call for ${input.leaderJobId}`,
      // Operators find a tenant's flights beside its jobs in the Temporal UI.
      typedSearchAttributes: [
        { key: TENANT, value: input.tenantId },
        { key: MODEL, value: input.request.model },
      ],
    },
  );
  return await deps.client.connection.withAbortSignal(context.cancellationSignal, () => handle.result());
}

/** The result of the latest flight for the job's key when it finished and this job started it; otherwise null. */
async function ownFinishedFlight(client: Client, input: FlightInput): Promise<FlightResult | null> {
  const handle = client.workflow.getHandle<ProviderFlightWorkflow>(flightWorkflowId(input.cache.key));
  try {
    if ((await handle.describe()).status.name !== 'COMPLETED') return null;
    const result = await handle.result();
    return result.leaderJobId === input.leaderJobId && !result.fromCache ? result : null;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
