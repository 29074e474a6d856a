import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Registered on the dev server by scripts/start-temporal.sh; keep both lists in step (a test checks it).
// On a production cluster register them once with `temporal operator search-attribute create`.

/** The tenant that submitted the job. */
export const TENANT = defineSearchAttributeKey('SwitchyardTenant', SearchAttributeType.KEYWORD);
/** The provider that answered (or was last tried). */
export const PROVIDER = defineSearchAttributeKey('SwitchyardProvider', SearchAttributeType.KEYWORD);
/** The model the caller asked for. */
export const MODEL = defineSearchAttributeKey('SwitchyardModel', SearchAttributeType.KEYWORD);
/** `running`, `completed` or `failed`. */
export const STATUS = defineSearchAttributeKey('SwitchyardStatus', SearchAttributeType.KEYWORD);
/** Whether the answer came from the response cache. */
export const CACHE_HIT = defineSearchAttributeKey('SwitchyardCacheHit', SearchAttributeType.BOOL);
/** What the job cost, in US dollars. */
export const COST_USD = defineSearchAttributeKey('SwitchyardCostUsd', SearchAttributeType.DOUBLE);
/** Whether the answer is a degraded fallback rather than a provider's answer. */
export const DEGRADED = defineSearchAttributeKey('SwitchyardDegraded', SearchAttributeType.BOOL);
/** The job this one replays. */
export const REPLAY_OF = defineSearchAttributeKey('SwitchyardReplayOf', SearchAttributeType.KEYWORD);
/** Why a failed job failed: one of the failure types (`SERVER_ERROR`, `TIMEOUT`, `BUDGET_EXCEEDED`…). */
export const FAILURE_TYPE = defineSearchAttributeKey('SwitchyardFailureType', SearchAttributeType.KEYWORD);
/** Whether a completed job shared another job's provider call (coalescing) instead of making its own. */
export const COALESCED = defineSearchAttributeKey('SwitchyardCoalesced', SearchAttributeType.BOOL);

/** Every custom search attribute Switchyard uses, for registration checks. */
export const ALL_SEARCH_ATTRIBUTES = [
  TENANT,
  PROVIDER,
  MODEL,
  STATUS,
  CACHE_HIT,
  COST_USD,
  DEGRADED,
  REPLAY_OF,
  FAILURE_TYPE,
  COALESCED,
] as const;
