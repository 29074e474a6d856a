import type { JsonSchema } from './openapi-responses';

/** What an event stream's body is to OpenAPI: text, whose events the description names. */
export function eventStream(description: string): Record<string, unknown> {
  return { 'text/event-stream': { schema: { type: 'string', description } } };
}

/** A response that is also an event stream of `chat.completion.chunk`s when the request asked to stream. */
export function withEventStream(response: JsonSchema): JsonSchema {
  const content = (response.content ?? {}) as Record<string, unknown>;
  return {
    ...response,
    content: {
      ...content,
      ...eventStream(
        '`data: {chat.completion.chunk}` events, then `data: [DONE]`; an error ends it as `data: {"error":…}`.',
      ),
    },
  };
}
