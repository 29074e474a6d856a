/** The coalescing flight's contract: one provider call shared by every identical request in flight. */
import type { ChatRequest, ChatUsage } from './chat';
import type { AttemptRecord, CachePlan, CachedResponse, JobTarget, RequestRef } from './job';

/** Workflow type of a flight; jobs start it by this name through the `awaitFlight` activity. */
export const PROVIDER_FLIGHT_WORKFLOW = 'providerFlight';

/** The flight workflow's signature, for starting and addressing it by name. */
export type ProviderFlightWorkflow = (input: FlightInput) => Promise<FlightResult>;

/** Signal a job sends to start waiting on a flight (with the flight's start, idempotent per job id). */
export const JOIN_FLIGHT_SIGNAL = 'joinFlight';

/** Signal a cancelled job sends to stop waiting; the last one to leave cancels the flight's call. */
export const LEAVE_FLIGHT_SIGNAL = 'leaveFlight';

/** Workflow id of the flight for a cache key: identical requests meet there. */
export function flightWorkflowId(cacheKey: string): string {
  return `flight-${cacheKey}`;
}

/** Input of the coalescing flight: one provider call shared by every identical request in flight. */
export interface FlightInput {
  /** The job that started the flight; it alone is charged for the call. */
  leaderJobId: string;
  tenantId: string;
  request: ChatRequest;
  /** See `AiJobInput.requestRef`. */
  requestRef?: RequestRef;
  targets: JobTarget[];
  cache: CachePlan;
}

export interface FlightResult {
  leaderJobId: string;
  response: CachedResponse;
  usage: ChatUsage;
  costUsd: number | null;
  providerLatencyMs: number;
  attempts: AttemptRecord[];
  /** The flight found the answer in the cache and called no provider. */
  fromCache: boolean;
  /**
   * True when the flight charged its call to the ledger itself (flights since the flight owns its cost);
   * absent in results of older flights, whose leader job charged the call.
   */
  charged?: boolean;
}
