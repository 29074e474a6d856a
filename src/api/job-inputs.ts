import type { ChatRequest } from '../contract/chat';
import type { AdmissionTicket } from './admission';
import type { JobPlan } from './job-plan';

/** A new job; `beforeStart` and `signal` as in `AdmissionTicket`. */
export interface SubmitJobInput extends AdmissionTicket {
  tenantId: string;
  request: ChatRequest;
  /** From `planJob`: the chain, cache and budget decisions. */
  plan: JobPlan;
  metadata?: Record<string, string>;
  idempotencyKey?: string;
  replayOf?: string;
  /** The job streams its answer's tokens to its stream in the stream store. */
  stream?: boolean;
}

/** What a synchronous run may ask besides admission: a stream, and word of the job once it has started. */
export interface SyncRunTicket extends AdmissionTicket {
  stream?: boolean;
  /** Called once the job's workflow has started, before its result is awaited. */
  onStarted?: (jobId: string) => void;
}

/** A submission's Idempotency-Key and what it asks, to find the job an earlier one with the key started. */
export interface IdempotentLookup {
  tenantId: string;
  idempotencyKey: string;
  request: ChatRequest;
  metadata?: Record<string, string>;
}
