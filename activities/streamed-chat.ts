import type { ChatCompletion, ChatRequest, ChatUsage } from '../src/contract/chat';
import { estimatedPromptTokens, estimateTokens } from './providers/usage-estimate';
import { FailureType } from '../src/contract/failure-types';
import type { JobStreamWriter } from './job-stream-writer';
import { ProviderError } from './providers/provider-error';
import type { ChatCallInput, ProviderAdapter } from './providers/types';

/**
 * One streamed provider call: its tokens go to the job's stream as they arrive, and the assembled answer is what
 * the call returns, exactly as a whole answer would be. A provider without streaming answers whole, and its
 * reader sends that answer on in one piece. The stream's entries are written before this resolves or rejects, so
 * a reader that sees the call's outcome in the job has every token of it in the store.
 */
export async function streamedChat(
  adapter: ProviderAdapter,
  call: ChatCallInput,
  writer: JobStreamWriter,
  { providerId, attempt }: { providerId: string; attempt: number },
): Promise<ChatCompletion> {
  writer.call(providerId, call.model, attempt);
  try {
    const completion = adapter.chatStream
      ? (await adapter.chatStream({ ...call, onDelta: (delta) => writer.delta(delta) })).completion
      : await adapter.chat(call);
    await writer.flush();
    return completion;
  } catch (err) {
    const type = err instanceof ProviderError ? err.type : FailureType.ServerError;
    writer.failed(type, err instanceof Error ? err.message : String(err));
    await writer.flush();
    throw err;
  }
}

/**
 * The usage of a stream cut short by its job's cancellation, estimated from what it had sent: the provider bills the
 * tokens it generated, and reports no usage for a stream it did not finish. Null when nothing was streamed.
 */
export function cutStreamUsage(request: ChatRequest, writer: JobStreamWriter): ChatUsage | null {
  if (writer.deltas === 0) return null;
  const prompt = estimatedPromptTokens(request);
  const completion = estimateTokens(writer.answerChars);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
