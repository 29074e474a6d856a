import { ApplicationFailure } from '@temporalio/common';
import type { ChatRequest } from '../src/contract/chat';
import { FailureType } from '../src/contract/failure-types';
import type { RequestRef } from '../src/contract/job';
import type { ResponseCacheStore } from '../src/stores/cache/contract';

/**
 * The request a provider call sends: the workflow's own copy, or — for a request too large for workflow
 * history — the stored one its reference names. A store outage fails the attempt before any call is made
 * (retryable); a request that is no longer stored (past its retention) can never be sent.
 */
export async function requestToSend(
  requests: ResponseCacheStore<ChatRequest>,
  input: { request: ChatRequest; requestRef?: RequestRef },
): Promise<ChatRequest> {
  if (!input.requestRef) return input.request;
  const stored = await requests.get(input.requestRef.key);
  if (!stored) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidRequest,
      message: `The stored request ${input.requestRef.key} is no longer available (past its retention).`,
      nonRetryable: true,
    });
  }
  return stored.value;
}
