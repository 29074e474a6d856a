import { Router } from 'express';
import { float32FromBase64 } from '../../codec/vector-encoding';
import { clientGoneSignal } from '../admission-signal';
import { tenantOf } from '../auth';
import { embeddingsBodySchema, embeddingTokens, toEmbeddingsRequest } from '../embedding-schemas';
import type { EmbeddingService } from '../embedding-service';
import type { TenantRateLimiter } from '../rate-limits';
import { validate } from '../validate';

/**
 * OpenAI-compatible embeddings: the official SDKs' `embeddings.create` works by changing only the base URL.
 * Cached texts are answered from the cache; the others are embedded in batches shared with other requests.
 */
export function embeddingsRouter(embeddings: EmbeddingService, limiter: TenantRateLimiter): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    const tenantId = tenantOf(res);
    const body = validate(embeddingsBodySchema, req.body);
    const request = toEmbeddingsRequest(body);
    const tokens = embeddingTokens(request.input);
    const answer = await embeddings.embed(tenantId, request, {
      signal: clientGoneSignal(res),
      beforeStart: () => limiter.consume(tenantId, tokens),
    });
    const base64 = body.encoding_format === 'base64';
    const promptTokens = answer.vectors.reduce((sum, vector) => sum + vector.tokens, 0);
    const cached = answer.vectors.filter((vector) => vector.cached).length;
    res.setHeader('x-switchyard-cache', cached === answer.vectors.length ? 'hit' : cached > 0 ? 'partial' : 'miss');
    res.setHeader('x-switchyard-cost-usd', String(Math.round(answer.costUsd * 1e8) / 1e8));
    res.setHeader('x-switchyard-batch-wait-ms', String(answer.batchWaitMs));
    res.setHeader('x-switchyard-batch-size', String(answer.batchSize));
    res.json({
      object: 'list',
      data: answer.vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? vector.vector : float32FromBase64(vector.vector),
      })),
      model: answer.model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    });
  });
  return router;
}
