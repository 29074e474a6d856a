/**
 * What a target must support to answer a request faithfully. A target lacking a capability the request needs
 * is skipped in its chain rather than sent the request with the parameter silently dropped.
 */
import type { ChatRequest } from './chat';

/** Every capability a request may need, one per group of request fields. */
export const CAPABILITIES = [
  'tools',
  'parallel_tool_calls',
  'json_object',
  'json_schema',
  'images',
  'audio',
  'files',
  'logprobs',
  'multiple_choices',
  'penalties',
  'logit_bias',
  'seed',
  'reasoning_effort',
  'service_tier',
  'store',
  'temperature_above_1',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** A capability the request needs, and the first field that needs it (a path, e.g. `messages[1].content[0].image_url`). */
export interface RequiredCapability {
  capability: Capability;
  parameter: string;
}

/**
 * The capabilities `request` needs, each once, with the first parameter found to need it.
 * Pure: the API checks them against each target of the chain before anything is called.
 */
export function requiredCapabilities(request: ChatRequest): RequiredCapability[] {
  const found = new Map<Capability, string>();
  const need = (capability: Capability, parameter: string): void => {
    if (!found.has(capability)) found.set(capability, parameter);
  };

  request.messages.forEach((message, i) => {
    if (message.role === 'tool') need('tools', `messages[${i}].tool_call_id`);
    if (message.role === 'assistant' && message.tool_calls && message.tool_calls.length > 0) {
      need('tools', `messages[${i}].tool_calls`);
    }
    if (message.role !== 'user' || typeof message.content === 'string') return;
    message.content.forEach((part, j) => {
      const at = `messages[${i}].content[${j}]`;
      if (part.type === 'image_url') need('images', `${at}.image_url`);
      else if (part.type === 'input_audio') need('audio', `${at}.input_audio`);
      else if (part.type === 'file') need('files', `${at}.file`);
    });
  });
  if (request.tools && request.tools.length > 0) need('tools', 'tools');
  if (request.tool_choice !== undefined) need('tools', 'tool_choice');
  if (request.parallel_tool_calls === false) need('parallel_tool_calls', 'parallel_tool_calls');
  if (request.response_format?.type === 'json_object') need('json_object', 'response_format.type');
  if (request.response_format?.type === 'json_schema') need('json_schema', 'response_format.json_schema');
  if (request.logprobs === true) need('logprobs', 'logprobs');
  if (request.top_logprobs !== undefined) need('logprobs', 'top_logprobs');
  if (request.n !== undefined && request.n > 1) need('multiple_choices', 'n');
  if (request.presence_penalty !== undefined) need('penalties', 'presence_penalty');
  if (request.frequency_penalty !== undefined) need('penalties', 'frequency_penalty');
  if (request.logit_bias !== undefined) need('logit_bias', 'logit_bias');
  if (request.seed !== undefined) need('seed', 'seed');
  if (request.reasoning_effort !== undefined) need('reasoning_effort', 'reasoning_effort');
  if (request.service_tier !== undefined) need('service_tier', 'service_tier');
  if (request.store === true) need('store', 'store');
  // OpenAI and Gemini take 0–2; Anthropic stops at 1, and clamping would change the answer unasked.
  if (request.temperature !== undefined && request.temperature > 1) need('temperature_above_1', 'temperature');
  return [...found].map(([capability, parameter]) => ({ capability, parameter }));
}
