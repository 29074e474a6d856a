import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from './failure-types';

/**
 * A failure another workflow or activity ended with, raised again as this one's own: the same type, message
 * and details (the attempts), non-retryable because whoever raised it first has already retried. Shared by the
 * activity that waits on a flight and the job workflow that waits on that activity, so a job fails exactly
 * as the flight it joined did.
 */
export function asFinalFailure(cause: ApplicationFailure): ApplicationFailure {
  return ApplicationFailure.create({
    type: cause.type ?? FailureType.ServerError,
    message: cause.message,
    nonRetryable: true,
    details: cause.details ? [...cause.details] : [],
  });
}
