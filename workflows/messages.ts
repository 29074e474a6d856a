import { defineQuery, defineSignal } from '@temporalio/workflow';
import { JOIN_FLIGHT_SIGNAL, LEAVE_FLIGHT_SIGNAL } from '../src/contract/flight';
import { STATUS_QUERY, type JobStatus } from '../src/contract/job';

/** A job starts waiting on a flight (sent with the flight's start, idempotent per job id). */
export const joinFlightSignal = defineSignal<[jobId: string]>(JOIN_FLIGHT_SIGNAL);

/** A job stops waiting on a flight (it was cancelled); the last one to leave cancels the flight's call. */
export const leaveFlightSignal = defineSignal<[jobId: string]>(LEAVE_FLIGHT_SIGNAL);

/** Live progress of a job, answered by the workflow. */
export const statusQuery = defineQuery<JobStatus>(STATUS_QUERY);
