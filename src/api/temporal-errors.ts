import { ServiceError } from '@temporalio/client';
import { HttpError } from './http-error';

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

/** The 503 every route answers when Temporal cannot be reached. */
export function temporalUnavailable(): HttpError {
  return new HttpError(503, 'temporal_unavailable', 'The job service (Temporal) is unreachable; try again shortly.', {
    headers: { 'retry-after': '5' },
  });
}
