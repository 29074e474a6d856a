import { anthropicMessages } from './anthropic-routes';
import { geminiBatchEmbedContents, geminiEmbedContent, geminiGenerateContent } from './gemini-routes';
import { openaiChat, openaiEmbeddings } from './openai-routes';
import { type MockEndpoint, type PathParams } from './provider';

/** Routes that inspect or steer the mock itself rather than imitate a provider. */
export type ControlRoute = 'stats' | 'calls' | 'reset' | 'behavior' | 'healthz';

/** Where a request goes. */
export type Route =
  { kind: 'provider'; endpoint: MockEndpoint; params: PathParams } | { kind: 'control'; name: ControlRoute };

const FIXED_ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['POST /openai/v1/chat/completions', { kind: 'provider', endpoint: openaiChat, params: {} }],
  ['POST /openai/v1/embeddings', { kind: 'provider', endpoint: openaiEmbeddings, params: {} }],
  ['POST /anthropic/v1/messages', { kind: 'provider', endpoint: anthropicMessages, params: {} }],
  ['GET /_mock/stats', { kind: 'control', name: 'stats' }],
  ['GET /_mock/calls', { kind: 'control', name: 'calls' }],
  ['POST /_mock/reset', { kind: 'control', name: 'reset' }],
  ['POST /_mock/behavior', { kind: 'control', name: 'behavior' }],
  ['GET /healthz', { kind: 'control', name: 'healthz' }],
]);

const GEMINI_METHODS: Readonly<Record<string, MockEndpoint>> = {
  generateContent: geminiGenerateContent,
  embedContent: geminiEmbedContent,
  batchEmbedContents: geminiBatchEmbedContents,
};

// The SDK pins v1beta; v1 is accepted too so that clients on the stable API version also work.
const GEMINI_PATH = /^\/gemini\/(?:v1beta|v1)\/models\/([^/:]+):([A-Za-z]+)$/;

function geminiRoute(pathname: string): Route | undefined {
  const match = GEMINI_PATH.exec(pathname);
  const endpoint = match?.[2] === undefined ? undefined : GEMINI_METHODS[match[2]];
  if (match?.[1] === undefined || endpoint === undefined) return undefined;
  try {
    return { kind: 'provider', endpoint, params: { model: decodeURIComponent(match[1]) } };
  } catch {
    return undefined; // a malformed %-escape is no route at all
  }
}

/** The route for a method and path (without query string), or `undefined` for a 404. */
export function matchRoute(method: string, pathname: string): Route | undefined {
  const fixed = FIXED_ROUTES.get(`${method} ${pathname}`);
  if (fixed !== undefined) return fixed;
  return method === 'POST' ? geminiRoute(pathname) : undefined;
}
