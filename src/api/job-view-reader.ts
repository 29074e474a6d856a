import type { Client, WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import type { Logger } from 'pino';
import { temporal } from '@temporalio/proto';
import * as attributes from '../contract/search-attributes';
import { STATUS_QUERY, type AiJobWorkflow, type JobStatus } from '../contract/job';
import { failureHttpOf } from '../contract/failure-http';
import {
  EMBEDDING_BATCH_WORKFLOW,
  type EmbeddingBatchResult,
  type EmbeddingBatchStatus,
} from '../contract/embedding-batch';
import { embeddingsJobResult } from './embedding-job-view';
import { PROVIDER_BATCH_WORKFLOW, type BatchJobStatus, type ProviderBatchWorkflow } from '../contract/batch-job';
import { CLOSED_JOB_ERRORS, isStringRecord, jobStateOf, type JobView } from './job-view';
import { jobFailureOf, tenantProgress, tenantResult } from './tenant-failure';

/** A progress query must not hold a GET hostage when no worker is there to answer it. */
const PROGRESS_QUERY_DEADLINE_MS = 1_500;

export interface ReadJobViewOptions {
  client: Client;
  handle: WorkflowHandle<AiJobWorkflow>;
  description: WorkflowExecutionDescription;
  /** Where the provider's own failure text goes, since tenants only see a fixed text per failure type. */
  logger?: Logger;
  /** Ask a running job for its phase (default true). */
  progress?: boolean;
}

/** The job as the API shows it, from its workflow's description (and its result or failure once closed). */
export async function readJobView({
  client,
  handle,
  description,
  logger,
  progress = true,
}: ReadJobViewOptions): Promise<JobView> {
  const memoMetadata = description.memo?.metadata;
  const replayOf = description.typedSearchAttributes.get(attributes.REPLAY_OF);
  const view: JobView = {
    id: handle.workflowId,
    object: 'job',
    status: jobStateOf(description.status.name),
    model: description.typedSearchAttributes.get(attributes.MODEL) ?? null,
    created_at: description.startTime.toISOString(),
    completed_at: description.closeTime?.toISOString() ?? null,
    metadata: isStringRecord(memoMetadata) ? memoMetadata : {},
    ...(replayOf ? { replay_of: replayOf } : {}),
  };
  const embeddings = description.type === EMBEDDING_BATCH_WORKFLOW;
  const batch = description.type === PROVIDER_BATCH_WORKFLOW;
  switch (view.status) {
    case 'running':
      // A workflow task held open by a local provider call answers a query only once it ends: the phase is left
      // out rather than the reply held up.
      if (!progress || workflowTaskRunning(description)) break;
      try {
        const status = await client.connection.withDeadline(Date.now() + PROGRESS_QUERY_DEADLINE_MS, () =>
          handle.query<JobStatus | EmbeddingBatchStatus | BatchJobStatus>(STATUS_QUERY),
        );
        view.progress = embeddings || batch ? status : tenantProgress(status as JobStatus);
      } catch {
        // No worker answered in time: the job is queued behind others or its workers are restarting.
      }
      break;
    case 'completed':
      view.result = embeddings
        ? embeddingsJobResult((await handle.result()) as unknown as EmbeddingBatchResult)
        : batch
          ? await client.workflow.getHandle<ProviderBatchWorkflow>(handle.workflowId).result()
          : tenantResult(await handle.result());
      break;
    case 'failed':
      try {
        await handle.result();
      } catch (err) {
        const failure = jobFailureOf(err);
        logger?.warn(
          { jobId: handle.workflowId, failureType: failure.type, detail: failure.detail },
          'failed job read',
        );
        const { code } = failureHttpOf(failure.type);
        view.error = { code, type: failure.type, message: failure.message, attempts: failure.attempts };
      }
      break;
    default:
      view.error = CLOSED_JOB_ERRORS[view.status];
  }
  return view;
}

/** Whether a worker is executing one of the workflow's tasks right now. */
function workflowTaskRunning(description: WorkflowExecutionDescription): boolean {
  return (
    description.raw.pendingWorkflowTask?.state ===
    temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
  );
}
