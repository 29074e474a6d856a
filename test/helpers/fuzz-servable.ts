/**
 * Makes a body generated from the request schema one every known target can serve: the document cannot say
 * the rules that span fields (a tool choice naming an offered tool, a tool result answering an earlier call,
 * JSON-text arguments), nor which parameters a provider lacks, so a body generated from it alone would mostly
 * be a 400. Parameters some target lacks are left out, and the cross-field rules are made to hold.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parameters at least one of the fuzzer's targets (OpenAI, Anthropic, Gemini) cannot honour. */
const NOT_EVERYWHERE = [
  'stream_options',
  'logprobs',
  'top_logprobs',
  'n',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'seed',
  'reasoning_effort',
  'service_tier',
  'store',
  'parallel_tool_calls',
];

function isJsonText(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `body` (a generated request body) with what no target could serve taken out and its cross-field rules kept. */
export function servableBody(body: unknown): unknown {
  if (!isObject(body)) return body;
  const copy = JSON.parse(JSON.stringify(body)) as Json;
  for (const key of NOT_EVERYWHERE) delete copy[key];

  const tools = Array.isArray(copy.tools) ? (copy.tools as Json[]) : [];
  const names = tools.map((tool) => (isObject(tool.function) ? tool.function.name : undefined));
  const choice = copy.tool_choice;
  if (isObject(choice) && isObject(choice.function)) {
    if (typeof names[0] === 'string') choice.function.name = names[0];
    else delete copy.tool_choice;
  }
  if (choice === 'required' && tools.length === 0) delete copy.tool_choice;
  // Anthropic's structured outputs are a forced tool, which cannot sit beside the caller's own tools.
  if (tools.length > 0 && isObject(copy.response_format) && copy.response_format.type !== 'text') {
    delete copy.response_format;
  }

  const callIds: string[] = [];
  if (Array.isArray(copy.messages)) {
    copy.messages = (copy.messages as unknown[]).map((message) => {
      if (!isObject(message)) return message;
      if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
        for (const call of message.tool_calls as unknown[]) {
          if (!isObject(call)) continue;
          if (isObject(call.function) && !isJsonText(call.function.arguments)) call.function.arguments = '{}';
          if (typeof call.id === 'string') callIds.push(call.id);
        }
      }
      if (message.role === 'tool') {
        const answered = callIds[callIds.length - 1];
        if (answered === undefined) return { role: 'user', content: message.content };
        return { ...message, tool_call_id: answered };
      }
      if (message.role === 'user' && Array.isArray(message.content)) {
        // Audio and files are not served everywhere: a text part stands in for them.
        message.content = (message.content as unknown[]).map((part) =>
          isObject(part) && (part.type === 'input_audio' || part.type === 'file') ? { type: 'text', text: 'x' } : part,
        );
      }
      return message;
    });
  }
  return copy;
}
