import { ServiceError } from '@temporalio/client';
import { HttpError } from './http-error';

const GRPC_CANCELLED = 1;
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

function grpcCodeOf(err: unknown): number | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    current = current.cause;
  }
  return undefined;
}

/** True when Temporal could not be reached (the API answers 503 then). */
export function isTemporalUnavailable(err: unknown): boolean {
  if (grpcCodeOf(err) === GRPC_UNAVAILABLE) return true;
  return err instanceof ServiceError && /connect|unavailable/i.test(err.message);
}

/** True when a call ran out of the deadline we gave it (e.g. a long-poll that simply waited long enough). */
export function isDeadlineExceeded(err: unknown): boolean {
  return grpcCodeOf(err) === GRPC_DEADLINE_EXCEEDED;
}

/**
 * True when a long poll bounded by our deadline (waiting for a workflow's result) ended for that deadline. The
 * server ends such a poll just before the deadline, now and then with CANCELLED rather than DEADLINE_EXCEEDED.
 */
export function isWaitOver(err: unknown): boolean {
  const code = grpcCodeOf(err);
  return code === GRPC_DEADLINE_EXCEEDED || code === GRPC_CANCELLED;
}

// gRPC codes after which a call may or may not have been carried out by the server.
const OUTCOME_UNKNOWN_CODES = new Set([
  GRPC_CANCELLED,
  2 /* UNKNOWN */,
  GRPC_DEADLINE_EXCEEDED,
  10 /* ABORTED */,
  13 /* INTERNAL */,
  GRPC_UNAVAILABLE,
]);
// gRPC names the phase a failed call was in; these all come before the request is written to the wire.
const NEVER_SENT = /waiting for (name resolution|LB pick|metadata filters)|No connection established|ECONNREFUSED/i;

function messagesOf(err: unknown): string {
  const messages: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const details = (current as { details?: unknown }).details;
    messages.push(current.message, typeof details === 'string' ? details : '');
    current = current.cause;
  }
  return messages.join(' | ');
}

/** True when the failed call provably never reached the server (no connection, or failed before sending). */
export function startNeverSent(err: unknown): boolean {
  return NEVER_SENT.test(messagesOf(err));
}

/**
 * True when a call failed in a way that does not tell whether the server carried it out: its deadline
 * passed or the connection broke after the request may have been sent. A start that failed so may have
 * created the workflow anyway.
 */
export function outcomeUnknown(err: unknown): boolean {
  const code = grpcCodeOf(err);
  return code !== undefined && OUTCOME_UNKNOWN_CODES.has(code) && !startNeverSent(err);
}

/** The 503 every route answers when Temporal cannot be reached. */
export function temporalUnavailable(): HttpError {
  return new HttpError(503, 'temporal_unavailable', 'The job service (Temporal) is unreachable; try again shortly.', {
    headers: { 'retry-after': '5' },
  });
}
