import type { EmbeddingBatchResult } from '../contract/embedding-batch';
import { float32FromBase64 } from '../codec/vector-encoding';
import { failureHttpOf } from '../contract/failure-http';

/** One text of an embeddings job: its vector, or why it has none. */
export type EmbeddingsJobItem =
  | { object: 'embedding'; index: number; embedding: number[] }
  | { object: 'error'; index: number; error: { code: string; type: string; message: string } };

/** An embeddings job's result, in the shape of OpenAI's embeddings answer plus per-text errors and the cost. */
export interface EmbeddingsJobResult {
  object: 'list';
  data: EmbeddingsJobItem[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
  costUsd: number;
  /** Provider calls the job made (texts answered from the cache need none). */
  providerCalls: number;
}

/**
 * The result a tenant reads: vectors as floats in input order, and each text the provider refused (or the budget)
 * with the stable code and the text tenants see for its failure type.
 */
export function embeddingsJobResult(result: EmbeddingBatchResult): EmbeddingsJobResult {
  let tokens = 0;
  let costUsd = 0;
  const data = result.items.map((item, index): EmbeddingsJobItem => {
    if (item.ok) {
      tokens += item.tokens;
      costUsd += item.costUsd ?? 0;
      return { object: 'embedding', index, embedding: float32FromBase64(item.vector) };
    }
    const mapped = failureHttpOf(item.failureType);
    return {
      object: 'error',
      index,
      error: { code: mapped.code, type: item.failureType, message: mapped.message ?? item.message },
    };
  });
  return {
    object: 'list',
    data,
    model: result.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
    costUsd: Math.round(costUsd * 1e8) / 1e8,
    providerCalls: result.providerCalls,
  };
}
