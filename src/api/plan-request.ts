import type { ChatRequest } from '../contract/chat';
import { UnknownModelError, type Config } from '../config';
import { HttpError } from './http-error';
import { planJob, type JobPlan, type RequestCachePolicy } from './job-plan';
import { UncacheableRequestError } from './uncacheable-request-error';
import { UnpricedModelError } from './unpriced-model-error';
import { isEmbeddingTarget } from './embedding-plan';

/**
 * `planJob` for a client's request: a 400 naming the field for an unknown model or route, for an unpriced model
 * when the tenant has a spending cap and no worst-case price is configured, and for a request that a cache-only
 * tenant could get only from a provider, and for an embedding model.
 */
export function planRequest(
  config: Config,
  tenantId: string,
  request: ChatRequest,
  cachePolicy?: RequestCachePolicy,
): JobPlan {
  let plan: JobPlan;
  try {
    plan = planJob(config, tenantId, request, cachePolicy);
  } catch (err) {
    if (err instanceof UnknownModelError) throw new HttpError(400, 'unknown_model', err.message, { param: 'model' });
    if (err instanceof UnpricedModelError) throw new HttpError(400, 'unpriced_model', err.message, { param: 'model' });
    if (err instanceof UncacheableRequestError) {
      throw new HttpError(400, 'request_not_cacheable', err.message, { param: 'temperature' });
    }
    throw err;
  }
  if (plan.targets.some((target) => isEmbeddingTarget(config, target))) {
    throw new HttpError(
      400,
      'wrong_model_kind',
      `"${request.model}" is an embedding model; use it with POST /v1/embeddings, or name a chat model.`,
      { param: 'model' },
    );
  }
  return plan;
}
