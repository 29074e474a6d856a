import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Directives, DirectiveError, readHeaderDirectives } from './directives';
import { requestFingerprint } from './faults';
import { faultReply } from './fault-reply';
import { delay, readBody, sendJsonText } from './http-io';
import { type ReplyContext } from './provider';
import { type RawReply, type ResourceMatch, type ResourceReply } from './resource';
import { isRevokedKey } from './revoked-keys';
import { type MockState } from './state';

/** What the server knows of a resource request besides the route. */
export interface ResourceCall extends ResourceMatch {
  req: IncomingMessage;
  query: URLSearchParams;
  /** Where the mock listens, for when the request has no Host header. */
  fallbackOrigin: string;
}

function isRaw(reply: ResourceReply): reply is RawReply {
  return 'raw' in reply;
}

/**
 * Answers a files or batches request with the same transport behaviour as a model call: the provider's auth
 * and error envelope, `x-mock-*` header directives, the per-key limit, random faults and latency. (Markers in
 * a message cannot steer these requests, since they carry no conversation; a batch's items read their own.)
 * The handler runs only once the latency has passed and the client is still there, so a request the client
 * gave up on changes nothing.
 */
export async function serveResourceCall(state: MockState, call: ResourceCall, res: ServerResponse): Promise<void> {
  const { resource, req, query } = call;
  const { wire } = resource;
  const sequence = state.nextSequence();
  const ctx: ReplyContext = { sequence, requestId: wire.requestId(sequence), model: undefined };
  const apiKey = wire.apiKey(req.headers, query);
  state.stats.recordRequest(resource.id, apiKey);
  const body = await readBody(req);
  if (!body.ok && body.reason === 'aborted') return; // the server counts the aborted connection

  const send = (reply: ResourceReply, headers: Record<string, string> = {}): void => {
    const all = { ...headers, ...(isRaw(reply) ? {} : reply.headers) };
    if (wire.requestIdHeader !== undefined) all[wire.requestIdHeader] = ctx.requestId;
    state.stats.recordOutcome(String(reply.status));
    if (!isRaw(reply)) {
      sendJsonText(res, reply.status, JSON.stringify(reply.body), all);
      return;
    }
    res.writeHead(reply.status, {
      ...all,
      'content-type': reply.contentType,
      'content-length': Buffer.byteLength(reply.raw),
    });
    res.end(reply.raw);
  };

  if (!body.ok) return send(wire.errorStatus(ctx, 413));
  if (apiKey === undefined) return send(wire.missingKey(ctx));
  if (isRevokedKey(apiKey)) return send(wire.invalidKey(ctx));
  let directives: Directives;
  try {
    directives = readHeaderDirectives(req.headers);
  } catch (err) {
    if (err instanceof DirectiveError) return send(wire.badRequest(ctx, err.message));
    throw err;
  }

  let limitHeaders: Record<string, string> = {};
  const limit = state.behavior.keyRateLimitPerMinute;
  if (limit !== undefined) {
    const window = state.limiter.take(apiKey, limit, Date.now());
    limitHeaders = wire.rateLimitHeaders(window);
    if (!window.allowed) return send(wire.rateLimited(ctx, window.resetInMs / 1000, 'key-limit'), limitHeaders);
  }

  const fingerprint = (): string => requestFingerprint(resource.id, `${req.url ?? ''}\n${body.text}`);
  const fault = state.faults.decide(directives, state.behavior.errorRates, fingerprint);
  if (fault?.kind === 'hang') {
    state.stats.recordOutcome('hang');
    return;
  }
  if (!(await delay(directives.latencyMs ?? state.behavior.latencyMs, res))) return;
  if (fault !== undefined && fault.kind !== 'malformed') {
    return send(faultReply(fault, ctx, wire, directives, state.behavior.retryAfterSeconds), limitHeaders);
  }

  const host = req.headers.host;
  const reply = await resource.handle({
    state,
    id: call.id,
    headers: req.headers,
    query,
    body: body.text,
    apiKey,
    origin: host === undefined ? call.fallbackOrigin : `http://${host}`,
    now: Date.now(),
    ctx,
  });
  if (fault?.kind === 'malformed' && !isRaw(reply)) {
    // Cut mid-document: the status and content-type promise JSON, the body does not deliver it. What the
    // request did is done, as when a real answer is lost on the way back.
    const text = JSON.stringify(reply.body);
    sendJsonText(res, reply.status, text.slice(0, Math.floor(text.length / 2)), limitHeaders);
    state.stats.recordOutcome('malformed');
    return;
  }
  send(reply, limitHeaders);
}
