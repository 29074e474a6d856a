import { anthropicBatchRoutes } from './anthropic/batch-routes';
import { anthropicRoutes } from './anthropic/routes';
import { geminiRoutes } from './gemini/routes';
import { modelsRoutes } from './models-routes';
import { openaiBatchRoutes } from './openai/batch-routes';
import { openaiRoutes } from './openai/routes';
import { type MockEndpoint, type MockProviderRoutes, type PathParams } from './provider';
import { type MockResource, type MockResourceRoutes } from './resource';

/** Routes that inspect or steer the mock itself rather than imitate a provider. */
export type ControlRoute = 'stats' | 'calls' | 'reset' | 'behavior' | 'healthz';

/** Where a request goes. */
export type Route =
  | { kind: 'provider'; endpoint: MockEndpoint; params: PathParams }
  | { kind: 'resource'; resource: MockResource; id: string | undefined }
  | { kind: 'control'; name: ControlRoute };

/** The providers the mock imitates: the one place a provider folder is registered. */
const PROVIDERS: readonly MockProviderRoutes[] = [openaiRoutes, anthropicRoutes, geminiRoutes];

/** The providers' files and batch APIs and their model lists, registered here likewise. */
const RESOURCES: readonly MockResourceRoutes[] = [openaiBatchRoutes, anthropicBatchRoutes, modelsRoutes];

const CONTROL_ROUTES: ReadonlyMap<string, ControlRoute> = new Map<string, ControlRoute>([
  ['GET /_mock/stats', 'stats'],
  ['GET /_mock/calls', 'calls'],
  ['POST /_mock/reset', 'reset'],
  ['POST /_mock/behavior', 'behavior'],
  ['GET /healthz', 'healthz'],
]);

/** The route for a method and path (without query string), or `undefined` for a 404. */
export function matchRoute(method: string, pathname: string): Route | undefined {
  const control = CONTROL_ROUTES.get(`${method} ${pathname}`);
  if (control !== undefined) return { kind: 'control', name: control };
  for (const provider of PROVIDERS) {
    const match = provider.match(method, pathname);
    if (match !== undefined) return { kind: 'provider', ...match };
  }
  for (const resources of RESOURCES) {
    const match = resources.match(method, pathname);
    if (match !== undefined) return { kind: 'resource', ...match };
  }
  return undefined;
}
