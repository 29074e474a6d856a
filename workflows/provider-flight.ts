import { costOf } from './cost';
import { callChain } from './call-chain';
import { storeSteps } from './local-activities';
import type { FlightInput, FlightResult } from './shared';

/**
 * One provider call shared by every identical request in flight. Its workflow id derives from the cache
 * key and jobs attach to it with the USE_EXISTING conflict policy, so N identical concurrent requests
 * make one call. It looks in the cache first, because a flight started just after the previous one
 * finished must find that answer rather than pay for it again.
 */
export async function providerFlight(input: FlightInput): Promise<FlightResult> {
  if (input.cache.mode !== 'refresh') {
    const hit = await storeSteps.lookupCache({ key: input.cache.key });
    if (hit && !hit.stale) {
      return {
        leaderJobId: input.leaderJobId,
        response: hit.value,
        usage: hit.value.completion.usage,
        costUsd: 0,
        providerLatencyMs: 0,
        attempts: [],
        fromCache: true,
      };
    }
  }
  const { call, target, attempts } = await callChain(input.leaderJobId, input.request, input.targets);
  const response = { completion: call.completion, providerId: target.providerId, model: target.model };
  await storeSteps.storeCache({
    key: input.cache.key,
    value: response,
    ttlSeconds: input.cache.ttlSeconds,
    staleSeconds: input.cache.staleSeconds,
  });
  return {
    leaderJobId: input.leaderJobId,
    response,
    usage: call.completion.usage,
    costUsd: costOf(call.completion.usage, target.price),
    providerLatencyMs: call.latencyMs,
    attempts,
    fromCache: false,
  };
}
