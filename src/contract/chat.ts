/**
 * Switchyard's normalised chat request and response: the OpenAI Chat Completions shape, which every
 * provider adapter translates to and from.
 */

/** A text part of a multi-part message. */
export interface ChatTextPart {
  type: 'text';
  text: string;
}

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string | ChatTextPart[];
  name?: string;
}

/** A chat request as accepted by `POST /v1/chat/completions` and `POST /v1/jobs`. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  /** Upper bound on generated tokens (`max_completion_tokens` is normalised to this). */
  max_tokens?: number;
  stop?: string[];
  seed?: number;
  user?: string;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A chat completion in the OpenAI wire shape, as returned to callers unchanged. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; refusal: string | null };
    finish_reason: FinishReason;
    logprobs: null;
  }>;
  usage: ChatUsage;
  system_fingerprint?: string | null;
}

/** The kinds of provider Switchyard speaks to; `openai-compatible` covers vLLM, Ollama, Groq, etc. */
export const PROVIDER_TYPES = ['openai', 'anthropic', 'gemini', 'openai-compatible'] as const;

export type ProviderType = (typeof PROVIDER_TYPES)[number];
