import { Router } from 'express';
import type { Logger } from 'pino';
import type { CachedResponse } from '../../contract/job';
import type { Config } from '../../config';
import type { ResponseCacheStore } from '../../stores/cache/contract';
import { tenantOf } from '../auth';
import { HttpError } from '../http-error';
import type { JobService } from '../job-service';
import type { TenantRateLimiter } from '../rate-limits';
import type { ApiMetrics } from '../../telemetry/api-metrics';
import { safeHeaderValue } from '../safe-header';
import { chatCompletionBodySchema, toChatRequest } from '../schemas';
import { validate } from '../validate';

export interface ChatCompletionsDeps {
  jobs: JobService;
  limiter: TenantRateLimiter;
  cache: ResponseCacheStore<CachedResponse>;
  config: Config;
  logger: Logger;
  metrics: ApiMetrics;
}

/**
 * OpenAI-compatible chat completions: a durable job run synchronously. The body that comes back is the
 * provider's completion in OpenAI's shape, so the official SDKs work by changing only the base URL.
 * A fresh cache hit is answered here without starting a workflow (the fast path).
 */
export function chatCompletionsRouter({ jobs, limiter, cache, config, logger, metrics }: ChatCompletionsDeps): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    const body = validate(chatCompletionBodySchema, req.body);
    if (body.stream) {
      throw new HttpError(400, 'streaming_unsupported', 'Streaming is not supported yet; send "stream": false.', {
        param: 'stream',
      });
    }
    const tenantId = tenantOf(res);
    const request = toChatRequest(body, { forwardMetadata: true });
    const plan = jobs.plan(tenantId, request, body.cache);
    await limiter.consume(tenantId, plan.tokenEstimate);

    if (config.cache.fastPath && plan.cache && plan.cache.mode !== 'refresh') {
      // Fails open: with the cache store down the request runs as a job, whose workflow retries its own lookup.
      const hit = await cache.get(plan.cache.key).catch((err: unknown) => {
        logger.warn({ err, tenantId }, 'cache fast path skipped: the cache store is unavailable');
        return null;
      });
      if (hit && !hit.stale) {
        logger.info({ tenantId, model: request.model, provider: hit.value.providerId }, 'cache fast-path hit');
        metrics.cacheFastPathHits.inc({ tenant: tenantId });
        res.setHeader('x-switchyard-cache', 'hit');
        res.setHeader('x-switchyard-provider', safeHeaderValue(`${hit.value.providerId}:${hit.value.model}`));
        res.setHeader('x-switchyard-cost-usd', '0');
        res.json(hit.value.completion);
        return;
      }
    }

    const result = await jobs.run(tenantId, request, plan, body.metadata ?? undefined);
    res.setHeader('x-switchyard-job-id', safeHeaderValue(result.jobId));
    res.setHeader('x-switchyard-cache', result.cacheHit ? 'hit' : result.coalesced ? 'coalesced' : 'miss');
    res.setHeader('x-switchyard-provider', safeHeaderValue(`${result.providerId}:${result.model}`));
    if (result.costUsd !== null) res.setHeader('x-switchyard-cost-usd', String(result.costUsd));
    if (result.degradation) res.setHeader('x-switchyard-degraded', result.degradation.reason);
    res.json(result.completion);
  });
  return router;
}
