/**
 * The embedding batch workflow's contract. The API's accumulator gathers single texts from many requests (and
 * tenants) that name the same model, and starts one batch workflow per flush: one budget step for every item,
 * one provider call for the lot, each item charged its share of the real usage.
 */
import type { FailureType } from './failure-types';
import type { JobTarget } from './job';

/** Workflow type of an embedding batch; the API starts batches by this name. */
export const EMBEDDING_BATCH_WORKFLOW = 'embeddingBatch';

/** The batch workflow's signature, for starting and addressing it by name. */
export type EmbeddingBatchWorkflow = (input: EmbeddingBatchInput) => Promise<EmbeddingBatchResult>;

/** Where and for how long an item's vector is cached once the provider has answered. */
export interface EmbeddingCachePlan {
  key: string;
  ttlSeconds: number;
  staleSeconds: number;
}

/** One text to embed, from one request of one tenant. */
export interface EmbeddingItem {
  /** Unique within the batch; the caller finds its vector by it. */
  id: string;
  tenantId: string;
  text: string;
  /** Worst-case cost: the text's UTF-8 bytes (no token is shorter than a byte) at the input price. */
  estimateUsd: number;
  /** The tenant's spending caps, in US dollars (as `SpendCaps`). */
  caps: { dailyUsd?: number; monthlyUsd?: number };
  /** Null when the tenant does not cache this request. */
  cache: EmbeddingCachePlan | null;
  /** The vector the cache already holds (base64 float32): the item is answered with it, free and uncalled. */
  cached?: string;
}

export interface EmbeddingBatchInput {
  /** The workflow id. */
  batchId: string;
  /** One model: vectors of different models live in different spaces, so a batch never falls back to another. */
  target: JobTarget;
  /** Length of every vector, for models that can shorten theirs. */
  dimensions?: number;
  items: EmbeddingItem[];
  /** When the first item was accepted (ISO 8601). */
  acceptedAt: string;
}

/** One item's answer: its vector, or why it has none. */
export type EmbeddingItemResult =
  | {
      id: string;
      ok: true;
      /** Little-endian float32s, base64-encoded: a quarter of the JSON size, and exact for float32 vectors. */
      vector: string;
      /** The item's share of the call's input tokens (the shares add up to the call's usage). */
      tokens: number;
      /** Null when the model has no price. */
      costUsd: number | null;
    }
  | { id: string; ok: false; failureType: FailureType; message: string };

export interface EmbeddingBatchResult {
  /** The model as the provider named it in its answer (the target's model when nothing was called). */
  model: string;
  /** In the order of `EmbeddingBatchInput.items`. */
  items: EmbeddingItemResult[];
  /** Provider calls made: one, unless the provider rejected the batch and it was split to find the bad items. */
  providerCalls: number;
}

/** What the batch workflow's status query answers while it runs. */
export interface EmbeddingBatchStatus {
  phase: 'reserving' | 'calling_provider' | 'settling' | 'completed' | 'failed' | 'cancelled';
  total: number;
  done: number;
  failed: number;
}

/** Input of the provider activity that embeds a batch's texts in one call. */
export interface EmbedTextsInput {
  batchId: string;
  providerId: string;
  model: string;
  texts: string[];
  dimensions?: number;
  timeoutMs?: number;
  /** Per text (same order), where to cache its vector once the provider has answered; null: not cached. */
  cache: Array<EmbeddingCachePlan | null>;
}

export interface EmbedTextsResult {
  model: string;
  /** Base64 float32 vectors, one per text, in order. */
  vectors: string[];
  /** Input tokens the provider billed for the whole call. */
  inputTokens: number;
  latencyMs: number;
  keyAlias: string;
}
