import type { Request, Response } from 'express';
import { Router } from 'express';
import type { Config } from '../../config';
import { sendHeldAnswer, type FastPathAnswer, type FastPathAnswers } from '../fast-path-answers';
import type { FastPathRequests, PlannedLookup } from '../fast-path-requests';
import { clientGoneSignal } from '../admission-signal';
import { tenantOf } from '../auth';
import type { JobService } from '../job-service';
import type { TenantRateLimiter } from '../rate-limits';
import type { ApiMetrics } from '../../telemetry/api-metrics';
import { safeHeaderValue } from '../safe-header';
import { chatCompletionBodySchema, toChatRequest } from '../schemas';
import { validate } from '../validate';
import { streamChatCompletion } from '../chat-stream-handler';
import type { StreamStore } from '../../stores/streams/contract';
import type { Logger } from 'pino';

export interface ChatCompletionsDeps {
  jobs: JobService;
  limiter: TenantRateLimiter;
  /** Fresh cached answers (the fast path). */
  answers: FastPathAnswers;
  /** Bodies already planned, byte for byte (the fast path). */
  requests: FastPathRequests;
  config: Config;
  metrics: ApiMetrics;
  /** Where streamed jobs' tokens arrive. */
  streams: StreamStore;
  logger?: Logger;
}

/**
 * OpenAI-compatible chat completions: a durable job run synchronously, streamed with `stream: true`. The body that comes back is the
 * provider's completion in OpenAI's shape, so the official SDKs work by changing only the base URL.
 * A fresh cache hit is answered here without starting a workflow (the fast path).
 */
export function chatCompletionsRouter({
  jobs,
  limiter,
  answers,
  requests,
  config,
  metrics,
  streams,
  logger,
}: ChatCompletionsDeps): Router {
  const router = Router();
  const fastPath = config.cache.fastPath;
  const streamDeps = {
    jobs,
    answers,
    streams,
    streaming: config.streaming,
    metrics,
    ...(logger ? { logger } : {}),
  };

  /** Validates and plans the body; throws the 400s a request can earn. */
  const planOf = (req: Request, tenantId: string) => {
    const body = validate(chatCompletionBodySchema, req.body);
    const request = toChatRequest(body, { forwardMetadata: true });
    return { body, request, plan: jobs.plan(tenantId, request, body.cache) };
  };

  const sendHit = (res: Response, tenantId: string, answer: FastPathAnswer) => {
    metrics.cacheFastPathHits.inc({ tenant: tenantId });
    sendHeldAnswer(res, answer);
  };

  router.post('/', async (req, res) => {
    const tenantId = tenantOf(res);
    // A body seen before (same tenant, same bytes) skips validation and planning, which it passed then.
    const known = fastPath ? requests.known(tenantId, req) : undefined;
    let planned = known ? undefined : planOf(req, tenantId);
    // Never remembered by the fast path, whose answers are whole JSON bodies.
    if (planned?.body.stream) {
      const { body, request, plan } = planned;
      await streamChatCompletion(streamDeps, res, {
        tenantId,
        request,
        plan,
        ...(body.metadata ? { metadata: body.metadata } : {}),
        includeUsage: body.stream_options?.include_usage === true,
        consume: () => limiter.consume(tenantId, plan.tokenEstimate),
      });
      return;
    }
    const lookup: PlannedLookup | undefined =
      known ??
      (planned?.plan.cache && planned.plan.cache.mode !== 'refresh'
        ? { cacheKey: planned.plan.cache.key, tokenEstimate: planned.plan.tokenEstimate, model: planned.request.model }
        : undefined);
    // Counted on a cache hit, or once the job is admitted: a request refused as overloaded spends no limit.
    const consume = () => limiter.consume(tenantId, lookup?.tokenEstimate ?? planned?.plan.tokenEstimate ?? 0);

    if (fastPath && lookup) {
      const answer = await answers.fresh(lookup.cacheKey, tenantId);
      if (answer) {
        await consume();
        if (!known) requests.remember(tenantId, req, lookup);
        sendHit(res, tenantId, answer);
        return;
      }
    }

    planned ??= planOf(req, tenantId);
    const { body, request, plan } = planned;
    const ticket = { beforeStart: consume, signal: clientGoneSignal(res) };
    const result = await jobs.run(tenantId, request, plan, body.metadata ?? undefined, ticket);
    // The job may have written a newer answer than the one this process holds.
    if (plan.cache) answers.forget(plan.cache.key);
    res.setHeader('x-switchyard-job-id', safeHeaderValue(result.jobId));
    res.setHeader('x-switchyard-cache', result.cacheHit ? 'hit' : result.coalesced ? 'coalesced' : 'miss');
    res.setHeader('x-switchyard-provider', safeHeaderValue(`${result.providerId}:${result.model}`));
    if (result.costUsd !== null) res.setHeader('x-switchyard-cost-usd', String(result.costUsd));
    if (result.degradation) res.setHeader('x-switchyard-degraded', result.degradation.reason);
    res.json(result.completion);
  });
  return router;
}
