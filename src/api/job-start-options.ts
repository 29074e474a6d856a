import type { WorkflowStartOptions } from '@temporalio/client';
import type { ChatRequest } from '../contract/chat';
import { AI_JOB_WORKFLOW, type AiJobInput, type AiJobWorkflow } from '../contract/job';
import * as attributes from '../contract/search-attributes';
import { jobsTaskQueue } from '../contract/task-queues';
import type { WorkflowRequest } from './request-by-reference';
import type { JobPlan } from './job-plan';

/** One submission, as its workflow is started. */
export interface JobStart {
  jobId: string;
  tenantId: string;
  /** The request as the client sent it (its model names the job); the plan's copy is the one that runs. */
  request: ChatRequest;
  plan: JobPlan;
  /** The plan's request, or a reference to where it is stored when too large for workflow history. */
  carried: WorkflowRequest;
  metadata?: Record<string, string>;
  replayOf?: string;
  /** Hash of request and metadata, which an idempotent resubmit must match. */
  requestHash: string;
  /** Tells this request's workflow from one an earlier request with the same Idempotency-Key started. */
  submissionId: string;
  /** See `AiJobInput.stream`. */
  stream?: boolean;
}

/** The workflow name and start options of a job: its input, memo and the search attributes the API lists by. */
export function jobStartOptions(
  start: JobStart,
  taskQueuePrefix: string,
): [typeof AI_JOB_WORKFLOW, WorkflowStartOptions<AiJobWorkflow>] {
  const { jobId, tenantId, request, plan, replayOf } = start;
  const workflowInput: AiJobInput = {
    jobId,
    tenantId,
    // With its output limit set; the idempotency hash is of the request as the client sent it.
    ...start.carried,
    targets: plan.targets,
    acceptedAt: new Date().toISOString(),
    cache: plan.cache,
    budget: plan.budget,
    fallback: plan.fallback,
    ...(replayOf ? { replayOf } : {}),
    ...(start.stream ? { stream: true } : {}),
  };
  return [
    AI_JOB_WORKFLOW,
    {
      workflowId: jobId,
      taskQueue: jobsTaskQueue(taskQueuePrefix),
      args: [workflowInput],
      // An idempotency key stays bound to its job even after the job has finished.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { requestHash: start.requestHash, metadata: start.metadata ?? {}, submissionId: start.submissionId },
      typedSearchAttributes: [
        { key: attributes.TENANT, value: tenantId },
        { key: attributes.MODEL, value: request.model },
        { key: attributes.STATUS, value: 'running' },
        ...(replayOf ? [{ key: attributes.REPLAY_OF, value: replayOf }] : []),
      ],
      staticSummary: `chat ${request.model} · tenant ${tenantId}`,
    },
  ];
}
