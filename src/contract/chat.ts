/**
 * Switchyard's normalised chat request and response: the OpenAI Chat Completions shape, which every
 * provider adapter translates to and from.
 */

/** The kinds of provider Switchyard speaks to; `openai-compatible` covers vLLM, Ollama, Groq, etc. */
export const PROVIDER_TYPES = ['openai', 'anthropic', 'gemini', 'openai-compatible'] as const;

export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** A text part of a multi-part message. */
export interface ChatTextPart {
  type: 'text';
  text: string;
}

/** An image, by URL (`https:`) or inline as a `data:image/…;base64,…` URI. */
export interface ChatImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

/** Base64 audio input. */
export interface ChatAudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: 'wav' | 'mp3' };
}

/** A file (e.g. a PDF), inline as a data URI or by a provider file id. */
export interface ChatFilePart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
}

/** A refusal part of an earlier assistant message. */
export interface ChatRefusalPart {
  type: 'refusal';
  refusal: string;
}

export type ChatUserPart = ChatTextPart | ChatImagePart | ChatAudioPart | ChatFilePart;

/** A call of a function tool, as the model asked for it; `arguments` is a JSON text. */
export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatSystemMessage {
  role: 'system' | 'developer';
  content: string | ChatTextPart[];
  name?: string;
}

export interface ChatUserMessage {
  role: 'user';
  content: string | ChatUserPart[];
  name?: string;
}

export interface ChatAssistantMessage {
  role: 'assistant';
  /** Null (or absent) when the message only calls tools. */
  content?: string | Array<ChatTextPart | ChatRefusalPart> | null;
  name?: string;
  refusal?: string | null;
  tool_calls?: ChatToolCall[];
}

/** The result of one tool call, answering the assistant's call with the same id. */
export interface ChatToolMessage {
  role: 'tool';
  content: string | ChatTextPart[];
  tool_call_id: string;
}

export type ChatMessage = ChatSystemMessage | ChatUserMessage | ChatAssistantMessage | ChatToolMessage;

export type ChatRole = ChatMessage['role'];

/** A function the model may call; `parameters` is a JSON Schema object. */
export interface ChatTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ChatToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ChatResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };
    };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high';

export type ServiceTier = 'auto' | 'default' | 'flex' | 'scale' | 'priority';

/** A chat request as accepted by `POST /v1/chat/completions` and `POST /v1/jobs`. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  /** Upper bound on generated tokens per choice (`max_completion_tokens` is normalised to this). */
  max_tokens?: number;
  stop?: string[];
  seed?: number;
  user?: string;
  /** Choices to generate (default 1). */
  n?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  logit_bias?: Record<string, number>;
  logprobs?: boolean;
  top_logprobs?: number;
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ChatResponseFormat;
  reasoning_effort?: ReasoningEffort;
  service_tier?: ServiceTier;
  /** OpenAI's stored completions: kept by OpenAI when true, with `metadata` as its labels. */
  store?: boolean;
  metadata?: Record<string, string>;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number };
}

/** Log probability of one output token, with its most likely alternatives. */
export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

export interface ChatChoiceLogprobs {
  content: ChatTokenLogprob[] | null;
  refusal: ChatTokenLogprob[] | null;
}

export interface ChatChoice {
  index: number;
  message: {
    role: 'assistant';
    content: string | null;
    refusal: string | null;
    tool_calls?: ChatToolCall[];
  };
  finish_reason: FinishReason;
  logprobs: ChatChoiceLogprobs | null;
}

/** A chat completion in the OpenAI wire shape, as returned to callers unchanged. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatChoice[];
  usage: ChatUsage;
  system_fingerprint?: string | null;
  service_tier?: string | null;
}

/** The text of a message's content: the string, or its text parts joined; images and other parts add nothing. */
export function textOf(content: ChatMessage['content'] | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) if (part.type === 'text') text += part.text;
  return text;
}
