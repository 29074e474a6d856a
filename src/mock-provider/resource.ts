/**
 * Provider routes that manage stored things (files, batches) rather than answer one model call: they take
 * ids from the path, may have no body or a multipart one, and may answer with a file instead of JSON. They
 * share the model endpoints' wire format (auth, error envelope, request ids) but not their parsing.
 */

import { type IncomingHttpHeaders } from 'node:http';
import { type EndpointId } from './endpoint-ids';
import { type ProviderWire, type ReplyContext, type WireReply } from './provider';
import { type MockState } from './state';

/** A resource request once its key is known and its body read. */
export interface ResourceRequest {
  state: MockState;
  /** The id the path named (a file or batch id), when the route takes one. */
  id: string | undefined;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  body: string;
  apiKey: string;
  /** `http://host:port` as the client addressed the mock, for URLs an answer hands out. */
  origin: string;
  /** When the request is answered, in epoch milliseconds. */
  now: number;
  ctx: ReplyContext;
}

/** A file's bytes, for routes that download one. */
export interface RawReply {
  status: number;
  raw: string;
  contentType: string;
}

export type ResourceReply = WireReply | RawReply;

/** One resource route: its stats id, its provider's wire format, and its handler. */
export interface MockResource {
  readonly id: EndpointId;
  readonly wire: ProviderWire;
  handle(request: ResourceRequest): ResourceReply | Promise<ResourceReply>;
}

/** The resource a request path leads to, with the id taken from the path. */
export interface ResourceMatch {
  resource: MockResource;
  id: string | undefined;
}

/** One provider's resource routes, as the router sees them. */
export interface MockResourceRoutes {
  /** The resource for a method and path (without query string), or `undefined` when it is not one of these. */
  match(method: string, pathname: string): ResourceMatch | undefined;
}

/**
 * Matches `pattern`, whose `:id` stands for one path segment, against `pathname`.
 * @returns the decoded id (or undefined for a pattern without one), or null when the path does not match.
 */
export function matchPath(pattern: string, pathname: string): { id: string | undefined } | null {
  const patternParts = pattern.split('/');
  const parts = pathname.split('/');
  if (patternParts.length !== parts.length) return null;
  let id: string | undefined;
  for (const [index, expected] of patternParts.entries()) {
    const part = parts[index] ?? '';
    if (expected === ':id') {
      if (part === '') return null;
      try {
        id = decodeURIComponent(part);
      } catch {
        return null; // a malformed %-escape is no route at all
      }
    } else if (part !== expected) {
      return null;
    }
  }
  return { id };
}

/** A table of `METHOD /path/:id` patterns to resources, tried in order. */
export function resourceTable(routes: ReadonlyArray<readonly [string, MockResource]>): MockResourceRoutes {
  const table = routes.map(([route, resource]) => {
    const [method = '', pattern = ''] = route.split(' ');
    return { method, pattern, resource };
  });
  return {
    match(method, pathname) {
      for (const entry of table) {
        if (entry.method !== method) continue;
        const matched = matchPath(entry.pattern, pathname);
        if (matched !== null) return { resource: entry.resource, id: matched.id };
      }
      return undefined;
    },
  };
}
