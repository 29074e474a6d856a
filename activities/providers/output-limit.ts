import type { ChatRequest } from '../../src/contract/chat';

/**
 * Output limit of a request without `max_tokens` when the connection names none: the default of the
 * config's `budgets.defaultMaxTokens`, which is what the job's reservation assumed.
 */
export const DEFAULT_OUTPUT_TOKENS = 1024;

/**
 * The output limit every provider call carries. The API sets `max_tokens` on every request it accepts;
 * this default covers requests of jobs accepted before it did. A provider left without a limit may answer
 * far longer than the reservation assumed, and the cost would pass the tenant's cap.
 */
export function outputLimitOf(request: ChatRequest, defaultMaxTokens: number = DEFAULT_OUTPUT_TOKENS): number {
  return request.max_tokens ?? defaultMaxTokens;
}
