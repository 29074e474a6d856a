/**
 * What each provider folder (`openai/`, `anthropic/`, `gemini/`) supplies to the shared machinery: its
 * wire format (auth, error envelope, usage) and its endpoints, found by path.
 */

import { type IncomingHttpHeaders } from 'node:http';
import { type ReportedUsage } from './call-log';
import { type EndpointId, type WireName } from './endpoint-ids';
import { type JsonObject } from './json';
import { type StreamFrame } from './stream-frames';

/** An answer to send: status, JSON body and any headers beyond content-type and request id. */
export interface WireReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Identifies one answer; providers put it in a header and/or in the body. */
export interface ReplyContext {
  /** Increases by one per provider request, so ids are unique and deterministic for a given request order. */
  sequence: number;
  /** The request id in this provider's format (e.g. `req_…`). */
  requestId: string;
  /** The model asked for, once known. */
  model: string | undefined;
  /** The request's `output-tokens` directive: how long the reply is (before the request's own limit). */
  outputTokens?: number;
}

/** Where the caller is in its per-key window, for the providers that advertise it in headers. */
export interface RateLimitWindow {
  limit: number;
  remaining: number;
  resetInMs: number;
}

/** Why a 429 is sent: a directive / random draw, or the per-key limit actually being exceeded. */
export type RateLimitCause = 'injected' | 'key-limit';

/** How one provider identifies callers and writes its errors — the part its endpoints share. */
export interface ProviderWire {
  readonly name: WireName;
  /** Header that carries the request id, if the real provider sends one. */
  readonly requestIdHeader: string | undefined;
  requestId(sequence: number): string;
  /** The API key as sent, or `undefined` when the request has none. */
  apiKey(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined;
  missingKey(ctx: ReplyContext): WireReply;
  /** A key the provider does not accept (revoked or deleted), as the real API rejects it. */
  invalidKey(ctx: ReplyContext): WireReply;
  badRequest(ctx: ReplyContext, message: string): WireReply;
  /** Any injected status other than 429, in the provider's error format. */
  errorStatus(ctx: ReplyContext, status: number): WireReply;
  rateLimited(ctx: ReplyContext, retryAfterSeconds: number, cause: RateLimitCause): WireReply;
  /** Out of quota or credit: what a client must not retry. */
  quotaExhausted(ctx: ReplyContext): WireReply;
  contentPolicy(ctx: ReplyContext): WireReply;
  /** Rate-limit headers sent on every answer while a per-key limit is configured. */
  rateLimitHeaders(window: RateLimitWindow): Record<string, string>;
  /** Whether a requested Retry-After on an error status is also sent as the exact `retry-after-ms`. */
  readonly sendsRetryAfterMs: boolean;
  /** Reads the usage out of a success body, the way this provider's clients do. */
  reportedUsage(body: unknown): ReportedUsage;
}

/** A request an endpoint accepted: what the shared pipeline needs to answer it. */
export interface ParsedCall {
  model: string;
  /** The last user message (or last embedding input): where `[[mock:…]]` markers are read. */
  lastUserText: string;
  /** The success body, given the last user text with its markers removed. */
  succeed(ctx: ReplyContext, cleanText: string): unknown;
  /** Replaces the provider's content-policy rejection where the real endpoint answers differently. */
  contentPolicy?(ctx: ReplyContext): WireReply;
  /**
   * Present when the request asked for a streamed answer: the success body (from {@link succeed}) as the
   * provider's stream of events.
   */
  stream?(body: unknown): StreamFrame[];
}

/** The outcome of reading a request body. */
export type ParseResult = { ok: true; call: ParsedCall } | { ok: false; message: string };

/** Values taken from the URL path, such as Gemini's `models/{model}`. */
export interface PathParams {
  model?: string;
}

/** One provider endpoint: its stats id, its provider's wire format, and how to read its requests. */
export interface MockEndpoint {
  readonly id: EndpointId;
  readonly wire: ProviderWire;
  parse(body: JsonObject, params: PathParams): ParseResult;
}

/** The endpoint a request path leads to, with the values taken from the path. */
export interface RouteMatch {
  endpoint: MockEndpoint;
  params: PathParams;
}

/** One provider the mock imitates, as the router sees it; each provider folder exports one. */
export interface MockProviderRoutes {
  /** The endpoint for a method and path (without query string), or `undefined` when it is not this provider's. */
  match(method: string, pathname: string): RouteMatch | undefined;
}
