import { validateJson, type SchemaNode } from './json-schema';
import type { FuzzRequest } from './fuzz-requests';

/** What came back for one request. */
export interface FuzzResponse {
  status: number;
  headers: Headers;
  text: string;
}

interface DocumentedOperation {
  template: string;
  operation: { responses: Record<string, SchemaNode> };
}

type OpenApiLike = { paths: Record<string, Record<string, { responses: Record<string, SchemaNode> }>> };

/**
 * The documented operation Express would route `method pathname` to: paths match case-insensitively, with or
 * without a trailing slash, and HEAD is served by GET.
 */
export function findOperation(
  document: OpenApiLike,
  method: string,
  pathname: string,
): DocumentedOperation | undefined {
  const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
  for (const [template, item] of Object.entries(document.paths)) {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+');
    const operation = item[verb];
    if (operation && new RegExp(`^${pattern}/?$`, 'i').test(pathname)) return { template, operation };
  }
  return undefined;
}

function resolved(document: unknown, node: SchemaNode): SchemaNode {
  if (typeof node.$ref !== 'string') return node;
  let target: unknown = document;
  for (const key of node.$ref.slice(2).split('/')) target = (target as Record<string, unknown>)[key];
  return target as SchemaNode;
}

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const isChatPath = (pathname: string) => /^\/v1\/chat\/completions(\/|$)/i.test(pathname);
const schemaRef = (name: string): SchemaNode => ({ $ref: `#/components/schemas/${name}` });

/** How a response breaks the API's promises (no 5xx, documented error shapes, documented 2xx); empty when it keeps them. */
export function violations(document: OpenApiLike, request: FuzzRequest, response: FuzzResponse): string[] {
  const found: string[] = [];
  const { status } = response;
  const pathname = request.path.split('?')[0] ?? '';
  const contentType = response.headers.get('content-type') ?? '';
  if (status >= 500 && !(status === 503 && response.headers.get('retry-after'))) found.push(`server error ${status}`);
  if (request.mustReject && status < 400) found.push(`accepted (${status}) a body its schema forbids`);
  const operation = findOperation(document, request.method, pathname);
  if (request.method === 'HEAD' || request.method === 'OPTIONS') return found;

  const body = parse(response.text);
  if (status >= 400) {
    if (!body.ok) return [...found, `error body is not JSON: ${response.text.slice(0, 200)}`];
    const problem = validateJson(schemaRef('Problem'), body.value, document);
    const openAI = validateJson(schemaRef('OpenAIError'), body.value, document);
    const isProblem = problem.length === 0 && contentType.startsWith('application/problem+json');
    if (request.anyErrorShape) {
      if (!isProblem && openAI.length > 0) found.push(`error body has neither documented shape: ${problem.join('; ')}`);
    } else if (isChatPath(pathname)) {
      if (openAI.length > 0) found.push(`not an OpenAI error object: ${openAI.join('; ')}`);
    } else if (!isProblem) {
      found.push(`not problem+json (${contentType}): ${problem.join('; ')}`);
    }
    if (isProblem && (body.value as { status?: unknown }).status !== status)
      found.push('problem status differs from HTTP status');
  }
  if (!operation) {
    if (status < 400) found.push(`${status} from a route the document does not describe`);
    return found;
  }
  const documented = operation.operation.responses[String(status)];
  if (!documented) return [...found, `status ${status} is not documented for ${request.method} ${operation.template}`];
  const content = resolved(document, documented).content as Record<string, { schema: SchemaNode }> | undefined;
  const [mediaType, media] = Object.entries(content ?? {})[0] ?? [];
  if (status < 400 && mediaType && media) {
    if (!contentType.startsWith(mediaType)) found.push(`content type ${contentType}, documented ${mediaType}`);
    if (mediaType.endsWith('json')) {
      if (!body.ok) found.push('2xx body is not JSON');
      else found.push(...validateJson(media.schema, body.value, document).map((p) => `response: ${p}`));
    }
  }
  return found;
}
