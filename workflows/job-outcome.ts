import { upsertSearchAttributes } from '@temporalio/workflow';
import * as attributes from '../src/contract/search-attributes';
import type { FailureType } from '../src/contract/failure-types';
import { Patch, type PatchCheck } from './patches';
import type { AiJobInput, AiJobResult, CachedResponse, Degradation, JobStatus } from '../src/contract/job';

/** How a job's answer came about, before it becomes the job's result. */
export interface Outcome {
  response: CachedResponse;
  usage: { prompt_tokens: number; completion_tokens: number };
  /** What this job commits to the ledger itself. */
  chargedUsd: number | null;
  /** True when the provider call already committed the reservation at `chargedUsd` (see `CommitWithCall`). */
  committed?: boolean;
  /** What the job reports as its cost; differs from `chargedUsd` when its flight charged the call. */
  costUsd: number | null;
  providerLatencyMs: number;
  attempts: AiJobResult['attempts'];
  cacheHit: boolean;
  coalesced: boolean;
  degradation?: Degradation;
}

/** A cached answer; when `jobId`'s own flight paid for it, reported as that job's call (already charged). */
export function fromCache(response: CachedResponse, jobId?: string): Outcome {
  const own = jobId !== undefined && response.paidBy?.jobId === jobId;
  return {
    response,
    usage: response.completion.usage,
    chargedUsd: 0,
    costUsd: own ? (response.paidBy?.costUsd ?? null) : 0,
    providerLatencyMs: 0,
    attempts: [],
    cacheHit: !own,
    coalesced: false,
  };
}

/** Completes the job with `outcome`: its status, search attributes and result. */
export function finish(
  input: AiJobInput,
  status: JobStatus,
  outcome: Outcome,
  downgraded: boolean,
  has: PatchCheck,
): AiJobResult {
  status.phase = 'completed';
  status.providerId = outcome.response.providerId;
  status.model = outcome.response.model;
  recordOutcome('completed', outcome.response.providerId, outcome.costUsd, outcome.cacheHit, !!outcome.degradation, {
    ...(has(Patch.CoalescedAttribute) ? { coalesced: outcome.coalesced } : {}),
  });
  return {
    jobId: input.jobId,
    completion: outcome.response.completion,
    providerId: outcome.response.providerId,
    model: outcome.response.model,
    usage: { inputTokens: outcome.usage.prompt_tokens, outputTokens: outcome.usage.completion_tokens },
    costUsd: outcome.costUsd,
    latencyMs: Math.max(0, Date.now() - Date.parse(input.acceptedAt)),
    providerLatencyMs: outcome.providerLatencyMs,
    attempts: outcome.attempts,
    cacheHit: outcome.cacheHit,
    coalesced: outcome.coalesced,
    downgraded,
    degraded: !!outcome.degradation,
    ...(outcome.degradation ? { degradation: outcome.degradation } : {}),
  };
}

/**
 * The job's outcome in its search attributes, for the Temporal UI and visibility queries. `failureType` is a
 * failed job's failure type, which `GET /v1/jobs?failure_type=` and bulk replays select by.
 */
export function recordOutcome(
  outcome: 'completed' | 'failed' | 'cancelled',
  providerId: string | undefined,
  cost: number | null,
  cacheHit: boolean,
  degraded: boolean,
  { failureType, coalesced }: { failureType?: FailureType; coalesced?: boolean } = {},
) {
  upsertSearchAttributes([
    { key: attributes.STATUS, value: outcome },
    ...(failureType ? [{ key: attributes.FAILURE_TYPE, value: failureType }] : []),
    ...(providerId ? [{ key: attributes.PROVIDER, value: providerId }] : []),
    ...(cost !== null ? [{ key: attributes.COST_USD, value: cost }] : []),
    { key: attributes.CACHE_HIT, value: cacheHit },
    { key: attributes.DEGRADED, value: degraded },
    ...(coalesced !== undefined ? [{ key: attributes.COALESCED, value: coalesced }] : []),
  ]);
}
