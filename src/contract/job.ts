/**
 * The job workflow's contract: what the API starts it with, what it answers, and how it is addressed.
 * Plain data and names only, so the API, config, stores, activities and workflows all share it.
 */
import type { ChatCompletion, ChatRequest, ProviderType } from './chat';
import type { FailureType } from './failure-types';

/** Workflow type of a job; the API starts jobs by this name. */
export const AI_JOB_WORKFLOW = 'aiJob';

/** The job workflow's signature, for starting and addressing it by name. */
export type AiJobWorkflow = (input: AiJobInput) => Promise<AiJobResult>;

/** Name of the query that answers a running job's progress. */
export const STATUS_QUERY = 'status';

/** Prices in US dollars per million tokens. */
export interface ModelPrice {
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  /** Prompt tokens read from the provider's prompt cache; charged at the input price when absent. */
  cachedInputUsdPerMTok?: number;
  /** Reasoning (thinking) tokens; charged at the output price when absent. */
  reasoningOutputUsdPerMTok?: number;
}

/** One provider/model a job may call. Carries a key *alias*, never the key itself. */
export interface JobTarget {
  providerId: string;
  providerType: ProviderType;
  /** The provider's own model name. */
  model: string;
  keyAlias: string;
  taskQueue: string;
  /**
   * The call runs as a local activity in the job's own worker instead of on `taskQueue`: for providers with no
   * server-enforced rate, it spares the job a dispatch through the server and a workflow task.
   */
  callLocally?: boolean;
  /** Budget for one attempt, in milliseconds. */
  timeoutMs: number;
  /** Attempts (Temporal's retries included) before the chain moves on. */
  maxAttempts: number;
  /** Unknown for models missing from the price table: the cost is then reported as null. */
  price: ModelPrice | null;
}

export interface AiJobInput {
  jobId: string;
  tenantId: string;
  request: ChatRequest;
  /** Resolved by the API from the requested model or route, in the order to try them. */
  targets: JobTarget[];
  /** When the API accepted the job (ISO 8601), so latency includes queueing. */
  acceptedAt: string;
  /** How this job uses the response cache; null when it is not cacheable or bypasses the cache. */
  cache: CachePlan | null;
  budget: BudgetPlan;
  /** What to answer when every target failed for reasons that are not the caller's. */
  fallback: FallbackPlan;
  /** The job this one replays. */
  replayOf?: string;
  /**
   * Set when the request was too large to carry in workflow history: the full request is in the request
   * store under this reference, and `request` holds only its parameters and a bounded excerpt of the last
   * user message (for rule-based fallbacks). Activities fetch the full request by reference.
   */
  requestRef?: RequestRef;
  /**
   * The provider's answer is streamed: each call writes its tokens, as they arrive, to the job's stream in the
   * stream store (see `JobStreamEntry`), for the API to relay. The history keeps only the final completion.
   */
  stream?: boolean;
}

/** Where a large request is stored (content-addressed), and its size. */
export interface RequestRef {
  key: string;
  bytes: number;
}

/** `default` reads and writes the cache; `refresh` only writes; `only` answers from the cache or fails. */
export type CachePlanMode = 'default' | 'refresh' | 'only';

export interface CachePlan {
  /** Hash of the canonical request, scoped by tenant (or shared); also names the coalescing flight. */
  key: string;
  mode: CachePlanMode;
  ttlSeconds: number;
  staleSeconds: number;
}

export interface BudgetPlan {
  caps: { dailyUsd?: number; monthlyUsd?: number };
  /** Worst-case cost of the job: input estimate + max_tokens at the dearest target's prices. */
  estimateUsd: number;
  onExceeded: 'reject' | 'downgrade' | 'cache-only';
  /** The cheaper chain `downgrade` switches to. */
  downgrade?: { targets: JobTarget[]; estimateUsd: number };
}

export interface FallbackPlan {
  staleCache: boolean;
  rules: Array<{ pattern: string; answer: string }>;
  message?: string;
  onExhausted: 'fail' | 'degrade';
}

/** Why a job's answer is degraded, and the failure that made it so. */
export interface Degradation {
  reason: 'stale_cache' | 'rule' | 'message';
  failureType: string;
  failureMessage: string;
}

/** What the response cache holds for one request. */
export interface CachedResponse {
  completion: ChatCompletion;
  providerId: string;
  model: string;
  /**
   * The job whose flight paid for this answer, and what it cost. A job that finds its own paid answer here
   * (its first steps were lost in a worker crash) reports that cost instead of a free cache hit.
   */
  paidBy?: { jobId: string; costUsd: number | null };
}

/** One call of a provider, as recorded in the job result. */
export interface AttemptRecord {
  providerId: string;
  model: string;
  outcome: 'ok' | FailureType;
  /** Temporal's attempt counts for this target (retries included). */
  attempts: number;
  message?: string;
}

export interface AiJobResult {
  jobId: string;
  completion: ChatCompletion;
  providerId: string;
  model: string;
  usage: { inputTokens: number; outputTokens: number };
  /** Null when the model has no price in the table. */
  costUsd: number | null;
  /** From acceptance by the API to the workflow's answer. */
  latencyMs: number;
  /** Time spent in the successful provider call. */
  providerLatencyMs: number;
  attempts: AttemptRecord[];
  cacheHit: boolean;
  /** True when an identical request in flight made the provider call and this job shared its answer. */
  coalesced: boolean;
  /** True when the budget policy switched the job to its cheaper route. */
  downgraded: boolean;
  degraded: boolean;
  /** Present when `degraded`: which fallback answered and why. */
  degradation?: Degradation;
}

/** A job's phase as its status query answers it; `cancelled` once a cancellation has ended it. */
export type JobPhase = 'queued' | 'calling_provider' | 'completed' | 'failed' | 'cancelled';

export interface JobStatus {
  phase: JobPhase;
  providerId?: string;
  model?: string;
  attempts: AttemptRecord[];
}
