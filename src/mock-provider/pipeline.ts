import { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { type MockCall, PROMPT_HEAD_CHARS, type ReportedUsage } from './call-log';
import {
  type Directives,
  DirectiveError,
  extractTextDirectives,
  readHeaderDirectives,
  requestsFault,
} from './directives';
import { type Fault, requestFingerprint } from './faults';
import { delay, type RequestBody, sendJsonText, sendJsonTextSlowly } from './http-io';
import { isJsonObject, parseJson } from './json';
import {
  type MockEndpoint,
  type ParsedCall,
  type PathParams,
  type ProviderWire,
  type ReplyContext,
  type WireReply,
} from './provider';
import { isRevokedKey } from './revoked-keys';
import { type MockState } from './state';
import { type StreamFrame } from './stream-frames';
import { type StreamFault, writeStream } from './stream-writer';
import { retryAfterHeaders } from './wire-headers';

/** A provider request as read off the wire. */
export interface ProviderRequest {
  endpoint: MockEndpoint;
  params: PathParams;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  body: RequestBody;
}

/** What the call log records once a successful answer is sent. */
interface SuccessRecord {
  model: string;
  promptHead: string;
  usage: ReportedUsage;
}

/** What to do with a request once it has been read. */
type Answer =
  | { kind: 'hang' }
  | {
      kind: 'stream';
      frames: StreamFrame[];
      headers: Record<string, string>;
      latencyMs: number | undefined;
      /** The request's `chunk-gap` directive, which replaces the behavior's. */
      gapMs: number | undefined;
      fault: StreamFault | undefined;
      success: SuccessRecord;
    }
  | {
      kind: 'send';
      status: number;
      text: string;
      /** The `byStatus` key: the status, or `'malformed'`. */
      outcome: string;
      headers: Record<string, string>;
      /** The request's own latency directive, which replaces the behavior's. */
      latencyMs: number | undefined;
      /** Set for a successful completion only: what the call log records once the answer is sent. */
      success?: SuccessRecord;
      /** The request's `body-delay` directive: the body follows the headers this much later. */
      bodyDelayMs?: number;
    };

/** Faults answered with an error body (as opposed to silence or broken JSON). */
type ErrorFault = Exclude<Fault, { kind: 'hang' } | { kind: 'malformed' }>;

function send(
  reply: WireReply,
  latencyMs?: number,
  headers: Record<string, string> = {},
): Extract<Answer, { kind: 'send' }> {
  return {
    kind: 'send',
    status: reply.status,
    text: JSON.stringify(reply.body),
    outcome: String(reply.status),
    headers: { ...headers, ...reply.headers },
    latencyMs,
  };
}

/** The first mid-stream fault a request asks for, in a fixed order when it asks for several. */
function streamFault(d: Directives): StreamFault | undefined {
  if (d.streamDrop !== undefined) return { kind: 'drop', afterChunks: d.streamDrop };
  if (d.streamHang !== undefined) return { kind: 'hang', afterChunks: d.streamHang };
  if (d.streamMalformed !== undefined) return { kind: 'malformed', afterChunks: d.streamMalformed };
  return undefined;
}

function readDirectives(call: ParsedCall, headers: IncomingHttpHeaders): { directives: Directives; cleanText: string } {
  const fromText = extractTextDirectives(call.lastUserText);
  // A header is the more explicit of the two, so it wins when both set the same directive.
  return { directives: { ...fromText.directives, ...readHeaderDirectives(headers) }, cleanText: fromText.cleanText };
}

function errorReply(
  fault: ErrorFault,
  call: ParsedCall,
  ctx: ReplyContext,
  wire: ProviderWire,
  directives: Directives,
  defaultRetryAfter: number,
): WireReply {
  if (fault.kind === 'quota') return wire.quotaExhausted(ctx);
  if (fault.kind === 'content-policy') return call.contentPolicy?.(ctx) ?? wire.contentPolicy(ctx);
  if (fault.status === 429) return wire.rateLimited(ctx, directives.retryAfterSeconds ?? defaultRetryAfter, 'injected');
  const reply = wire.errorStatus(ctx, fault.status);
  // Only when asked: real 5xx rarely carry Retry-After, but a test may want to see a client honour one.
  if (directives.retryAfterSeconds === undefined) return reply;
  const retryHeaders = retryAfterHeaders(directives.retryAfterSeconds, wire.sendsRetryAfterMs);
  return { ...reply, headers: { ...reply.headers, ...retryHeaders } };
}

/** Everything up to the answer: auth, parsing, directives, the per-key limit and the fault draw. */
function decide(state: MockState, request: ProviderRequest, ctx: ReplyContext, apiKey: string | undefined): Answer {
  const { endpoint, params, headers, body } = request;
  const { wire } = endpoint;
  // Aborted bodies never get here, so a missing body is one that was too large.
  if (!body.ok) return send(wire.errorStatus(ctx, 413));
  const { text } = body;
  if (apiKey === undefined) return send(wire.missingKey(ctx));
  if (isRevokedKey(apiKey)) return send(wire.invalidKey(ctx));
  const json = parseJson(text);
  if (!isJsonObject(json)) return send(wire.badRequest(ctx, 'The request body could not be parsed as a JSON object.'));
  const parsed = endpoint.parse(json, params);
  if (!parsed.ok) return send(wire.badRequest(ctx, parsed.message));
  const { call } = parsed;
  ctx.model = call.model;

  let directives: Directives;
  let cleanText: string;
  try {
    ({ directives, cleanText } = readDirectives(call, headers));
  } catch (err) {
    if (err instanceof DirectiveError) return send(wire.badRequest(ctx, err.message));
    throw err;
  }
  const { latencyMs } = directives;
  ctx.outputTokens = directives.outputTokens;

  let limitHeaders: Record<string, string> = {};
  const limit = state.behavior.keyRateLimitPerMinute;
  if (limit !== undefined) {
    const window = state.limiter.take(apiKey, limit, Date.now());
    limitHeaders = wire.rateLimitHeaders(window);
    if (!window.allowed) {
      return send(wire.rateLimited(ctx, window.resetInMs / 1000, 'key-limit'), latencyMs, limitHeaders);
    }
  }

  const fingerprint = (): string => requestFingerprint(endpoint.id, text);
  // A request whose only fault is mid-stream streams; with `fail-times`, only its first tries break off.
  const midStream = call.stream !== undefined && streamFault(directives) !== undefined && !requestsFault(directives);
  const fault = midStream ? undefined : state.faults.decide(directives, state.behavior.errorRates, fingerprint);
  if (fault === undefined) {
    const body = call.succeed(ctx, cleanText);
    const success = {
      model: call.model,
      promptHead: cleanText.slice(0, PROMPT_HEAD_CHARS),
      usage: wire.reportedUsage(body),
    };
    if (call.stream !== undefined) {
      return {
        kind: 'stream',
        frames: call.stream(body),
        headers: limitHeaders,
        latencyMs,
        gapMs: directives.chunkGapMs,
        fault:
          directives.failTimes === undefined || state.faults.streamFaultDue(directives.failTimes, fingerprint)
            ? streamFault(directives)
            : undefined,
        success,
      };
    }
    return { ...send({ status: 200, body }, latencyMs, limitHeaders), success, bodyDelayMs: directives.bodyDelayMs };
  }
  if (fault.kind === 'hang') return { kind: 'hang' };
  if (fault.kind === 'malformed') {
    const complete = JSON.stringify(call.succeed(ctx, cleanText));
    // Cut mid-document: the status and content-type promise JSON, the body does not deliver it.
    const truncated = complete.slice(0, Math.floor(complete.length / 2));
    return { kind: 'send', status: 200, text: truncated, outcome: 'malformed', headers: limitHeaders, latencyMs };
  }
  const reply = errorReply(fault, call, ctx, wire, directives, state.behavior.retryAfterSeconds);
  return send(reply, latencyMs, limitHeaders);
}

/**
 * Answers one provider request. Stats count the request before anything can fail, and its outcome
 * only once an answer is actually sent (or the request is left hanging).
 */
export async function serveProviderCall(
  state: MockState,
  request: ProviderRequest,
  res: ServerResponse,
): Promise<void> {
  const { endpoint, params, body } = request;
  const { wire } = endpoint;
  const sequence = state.nextSequence();
  const ctx: ReplyContext = { sequence, requestId: wire.requestId(sequence), model: params.model };
  const apiKey = wire.apiKey(request.headers, request.query);
  state.stats.recordRequest(endpoint.id, apiKey);
  if (!body.ok && body.reason === 'aborted') return; // the server counts the aborted connection

  const answer = decide(state, request, ctx, apiKey);
  if (answer.kind === 'hang') {
    // Never answered: the socket stays open until the client gives up or the mock closes.
    state.stats.recordOutcome('hang');
    return;
  }
  if (!(await delay(answer.latencyMs ?? state.behavior.latencyMs, res))) return;
  const headers =
    wire.requestIdHeader === undefined ? answer.headers : { ...answer.headers, [wire.requestIdHeader]: ctx.requestId };
  const record = (success: SuccessRecord, key: string, streamed?: MockCall['streamed']): void => {
    const { model, promptHead, usage } = success;
    const call: MockCall = {
      sequence,
      at: Date.now(),
      endpoint: endpoint.id,
      provider: wire.name,
      model,
      apiKey: key,
      ...usage,
      promptHead,
    };
    // Only streamed answers carry the field, so the entries of plain answers keep their exact shape.
    state.stats.recordCall(streamed === undefined ? call : { ...call, streamed });
  };
  if (answer.kind === 'stream') {
    state.stats.recordOutcome('200');
    const { frames, gapMs, fault, success } = answer;
    const result = await writeStream(res, frames, { headers, gapMs: gapMs ?? state.behavior.streamChunkGapMs, fault });
    if (apiKey === undefined) return;
    // A cut stream is still a paid call: the provider bills the prompt and every output token it sent.
    const usage =
      result.streamed === 'complete' ? success.usage : { ...success.usage, completionTokens: result.completionTokens };
    record({ ...success, usage }, apiKey, result.streamed);
    return;
  }
  state.stats.recordOutcome(answer.outcome);
  if (answer.bodyDelayMs !== undefined && answer.success !== undefined) {
    // Generated, so billed, before the headers go out: a client that leaves during the body has still paid.
    if (apiKey !== undefined) record(answer.success, apiKey);
    await sendJsonTextSlowly(res, answer.status, answer.text, headers, answer.bodyDelayMs);
    return;
  }
  sendJsonText(res, answer.status, answer.text, headers);
  if (answer.success !== undefined && apiKey !== undefined) record(answer.success, apiKey);
}
