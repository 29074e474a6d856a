import { Router } from 'express';
import { tenantOf } from '../auth';
import { HttpError } from '../http-error';
import type { JobService } from '../job-service';
import { chatCompletionBodySchema, toChatRequest } from '../schemas';
import { validate } from '../validate';

/**
 * OpenAI-compatible chat completions: a durable job run synchronously. The body that comes back is the
 * provider's completion in OpenAI's shape, so the official SDKs work by changing only the base URL.
 */
export function chatCompletionsRouter(jobs: JobService): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    const body = validate(chatCompletionBodySchema, req.body);
    if (body.stream) {
      throw new HttpError(400, 'streaming_unsupported', 'Streaming is not supported yet; send "stream": false.', {
        param: 'stream',
      });
    }
    const result = await jobs.run(tenantOf(res), toChatRequest(body));
    res.setHeader('x-switchyard-job-id', result.jobId);
    res.setHeader('x-switchyard-provider', `${result.providerId}:${result.model}`);
    if (result.costUsd !== null) res.setHeader('x-switchyard-cost-usd', String(result.costUsd));
    res.json(result.completion);
  });
  return router;
}
