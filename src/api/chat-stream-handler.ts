import type { Response } from 'express';
import type { Logger } from 'pino';
import type { ChatCompletion, ChatRequest } from '../contract/chat';
import type { StreamingConfig } from '../config/streaming-schema';
import type { StreamStore } from '../stores/streams/contract';
import type { ApiMetrics } from '../telemetry/api-metrics';
import { clientGoneSignal } from './admission-signal';
import { ChatStreamRelay } from './chat-stream-relay';
import type { FastPathAnswers } from './fast-path-answers';
import type { JobPlan } from './job-plan';
import type { JobService } from './job-service';
import { chunkOf, usageChunkOf, wholeDeltas } from './openai-chunks';
import { safeHeaderValue } from './safe-header';
import { openEventStream, writeEvent } from './sse';

export interface ChatStreamDeps {
  jobs: JobService;
  answers: FastPathAnswers;
  streams: StreamStore;
  streaming: StreamingConfig;
  metrics: ApiMetrics;
  logger?: Logger;
}

/** One streamed chat completion request, validated and planned. */
export interface ChatStreamRequest {
  tenantId: string;
  request: ChatRequest;
  plan: JobPlan;
  metadata?: Record<string, string>;
  includeUsage: boolean;
  /** Spends the tenant's rate limit, once the request is admitted (or answered from the cache). */
  consume: () => Promise<void>;
}

/**
 * `stream: true` on the OpenAI-compatible endpoint: a fresh cache hit is streamed from the cache in pieces; anything
 * else runs as a job whose provider call streams, relayed token by token (see `ChatStreamRelay`). A client that
 * disconnects cancels the job and its provider call unless `streaming.onClientDisconnect` is `finish`.
 */
export async function streamChatCompletion(
  deps: ChatStreamDeps,
  res: Response,
  call: ChatStreamRequest,
): Promise<void> {
  const { jobs, answers } = deps;
  const { tenantId, request, plan } = call;
  if (plan.cache && plan.cache.mode !== 'refresh') {
    const hit = await answers.fresh(plan.cache.key, tenantId);
    if (hit) {
      await call.consume();
      deps.metrics.cacheFastPathHits.inc({ tenant: tenantId });
      const completion = JSON.parse(hit.body) as ChatCompletion;
      streamWhole(res, completion, call.includeUsage, {
        'x-switchyard-cache': 'hit',
        'x-switchyard-provider': safeHeaderValue(hit.provider),
      });
      return;
    }
  }
  const relay = new ChatStreamRelay({
    res,
    streams: deps.streams,
    includeUsage: call.includeUsage,
    model: request.model,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  let jobId: string | undefined;
  res.once('close', () => {
    if (relay.ended) return;
    relay.abandon();
    if (jobId && deps.streaming.onClientDisconnect === 'cancel') {
      jobs
        .cancel(jobId, tenantId)
        .catch((err: unknown) => deps.logger?.info({ err, jobId }, 'streamed job not cancelled'));
    }
  });
  try {
    const result = await jobs.run(tenantId, request, plan, call.metadata, {
      beforeStart: call.consume,
      signal: clientGoneSignal(res),
      stream: true,
      onStarted: (started) => {
        jobId = started;
        relay.follow(started);
      },
    });
    if (plan.cache) answers.forget(plan.cache.key);
    await relay.finish(result);
  } catch (err) {
    if (!(await relay.fail(err))) throw err;
  }
}

/** Streams a whole completion in pieces, as a model would, with usage and `[DONE]`. */
export function streamWhole(
  res: Response,
  completion: ChatCompletion,
  includeUsage: boolean,
  headers: Record<string, string>,
): void {
  openEventStream(res, headers);
  const frame = { id: completion.id, created: completion.created, model: completion.model, includeUsage };
  for (const piece of wholeDeltas(completion)) writeEvent(res, { data: JSON.stringify(chunkOf(frame, [piece])) });
  if (includeUsage) writeEvent(res, { data: JSON.stringify(usageChunkOf(frame, completion.usage)) });
  writeEvent(res, { data: '[DONE]' });
  res.end();
}
